package verify

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"slices"
	"sort"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
)

// policyHashVersion is mixed into every policy hash so that a change of the canonical form can
// never collide with hashes of the previous form.
const policyHashVersion = "kubernaut.ai/verify-policy/v1"

// canonicalPolicy is the serialised form a policy hash is computed over. Lists are sorted because
// their order never changes a verification outcome.
type canonicalPolicy struct {
	Version           string   `json:"version"`
	Keys              []string `json:"keys"`
	Identities        []string `json:"identities"`
	TrustedMaterial   string   `json:"trustedMaterial"`
	TLog              string   `json:"tlog"`
	RequireDigest     bool     `json:"requireDigest"`
	InsecureIgnoreSCT bool     `json:"insecureIgnoreSCT"`
}

func policyHash(opts PolicyOptions) (string, error) {
	c := canonicalPolicy{
		Version:           policyHashVersion,
		Keys:              []string{},
		Identities:        []string{},
		TLog:              string(opts.TLog),
		RequireDigest:     opts.RequireDigest,
		InsecureIgnoreSCT: opts.InsecureIgnoreSCT,
	}
	for i, k := range opts.Keys {
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			return "", fmt.Errorf("policy field Keys[%d]: encoding public key: %w", i, err)
		}
		c.Keys = append(c.Keys, hex.EncodeToString(der))
	}
	for _, id := range opts.Identities {
		b, err := json.Marshal(id)
		if err != nil {
			return "", fmt.Errorf("encoding identity %s: %w", id, err)
		}
		c.Identities = append(c.Identities, string(b))
	}
	slices.Sort(c.Keys)
	c.Keys = slices.Compact(c.Keys)
	slices.Sort(c.Identities)
	c.Identities = slices.Compact(c.Identities)
	fp, err := fingerprintTrustedMaterial(opts.TrustedMaterial)
	if err != nil {
		return "", fmt.Errorf("policy field TrustedMaterial: %w", err)
	}
	c.TrustedMaterial = fp
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encoding policy: %w", err)
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// fingerprintWriter feeds length-prefixed fields into a hash, so that no two different field
// sequences produce the same byte stream.
type fingerprintWriter struct{ h hash.Hash }

func (w fingerprintWriter) bytes(b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	w.h.Write(n[:])
	w.h.Write(b)
}

func (w fingerprintWriter) str(s string) { w.bytes([]byte(s)) }

func (w fingerprintWriter) time(t time.Time) { w.str(t.UTC().Format(time.RFC3339Nano)) }

func (w fingerprintWriter) certs(certs ...*x509.Certificate) {
	w.str(fmt.Sprint(len(certs)))
	for _, c := range certs {
		if c == nil {
			w.str("nil")
			continue
		}
		w.bytes(c.Raw)
	}
}

// fingerprintTrustedMaterial hashes the content of the trust root (CA certificates, log keys,
// validity windows) rather than a JSON rendering, so that the same root gives the same hash
// whether it was read from trusted_root.json or built in memory.
func fingerprintTrustedMaterial(tm root.TrustedMaterial) (string, error) {
	if tm == nil {
		return "", nil
	}
	w := fingerprintWriter{h: sha256.New()}
	w.str("fulcio")
	for _, ca := range tm.FulcioCertificateAuthorities() {
		fca, ok := ca.(*root.FulcioCertificateAuthority)
		if !ok {
			return "", fmt.Errorf("certificate authority of type %T cannot be fingerprinted for the policy hash", ca)
		}
		w.certs(fca.Root)
		w.certs(fca.Intermediates...)
		w.time(fca.ValidityPeriodStart)
		w.time(fca.ValidityPeriodEnd)
		w.str(fca.URI)
	}
	w.str("tsa")
	for _, ta := range tm.TimestampingAuthorities() {
		sta, ok := ta.(*root.SigstoreTimestampingAuthority)
		if !ok {
			return "", fmt.Errorf("timestamping authority of type %T cannot be fingerprinted for the policy hash", ta)
		}
		w.certs(sta.Root, sta.Leaf)
		w.certs(sta.Intermediates...)
		w.time(sta.ValidityPeriodStart)
		w.time(sta.ValidityPeriodEnd)
		w.str(sta.URI)
	}
	if err := fingerprintLogs(w, "rekor", tm.RekorLogs()); err != nil {
		return "", err
	}
	if err := fingerprintLogs(w, "ctlog", tm.CTLogs()); err != nil {
		return "", err
	}
	return hex.EncodeToString(w.h.Sum(nil)), nil
}

func fingerprintLogs(w fingerprintWriter, kind string, logs map[string]*root.TransparencyLog) error {
	w.str(kind)
	ids := make([]string, 0, len(logs))
	for id := range logs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		l := logs[id]
		der, err := x509.MarshalPKIXPublicKey(l.PublicKey)
		if err != nil {
			return fmt.Errorf("%s log %s: encoding public key: %w", kind, id, err)
		}
		w.str(id)
		w.bytes(l.ID)
		w.str(l.BaseURL)
		w.bytes(der)
		w.time(l.ValidityPeriodStart)
		w.time(l.ValidityPeriodEnd)
		w.str(l.HashFunc.String())
		w.str(l.SignatureHashFunc.String())
	}
	return nil
}
