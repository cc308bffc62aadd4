package verify

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// candidate is one signature of an image in either format, ready to be checked.
type candidate struct {
	source string // where it was found, for messages
	format string // FormatBundle or FormatLegacy
	entity sgverify.SignedEntity
	// payload is the signed simple-signing payload of a legacy signature; nil for a bundle, whose
	// DSSE envelope carries its payload.
	payload []byte
	// claimedDigests are the image digests the signed content names ("sha256:<hex>"). They are
	// trusted only once the signature over them has been verified.
	claimedDigests []string
}

// artifactPolicy binds sigstore-go's check to the image: the in-toto subject of a bundle must be
// the image digest; a legacy signature must be over its payload (whose digest claim is compared
// separately, see checkCandidate).
func (c *candidate) artifactPolicy(digest v1.Hash) (sgverify.ArtifactPolicyOption, error) {
	if c.payload != nil {
		return sgverify.WithArtifact(bytes.NewReader(c.payload)), nil
	}
	raw, err := hex.DecodeString(digest.Hex)
	if err != nil {
		return nil, fmt.Errorf("image digest %s: %w", digest, err)
	}
	return sgverify.WithArtifactDigest(digest.Algorithm, raw), nil
}

// checkCandidate runs the checks in the order that makes the failure message most precise: who
// signed (key, or certificate chaining to the root with a matching identity), then for which
// image, then the complete sigstore-go verification (transparency log, timestamps, SCTs). Each
// early check is a subset of what sigstore-go verifies afterwards, so the early steps only sharpen
// the error; they never accept anything on their own.
func (p *Policy) checkCandidate(c *candidate, digest v1.Hash) (*Result, *failure) {
	vc, err := c.entity.VerificationContent()
	if err != nil {
		return nil, fail(rankUnusable, ErrInvalidSignature, "%s: no verification material: %v", c.source, err)
	}
	sig, err := c.entity.SignatureContent()
	if err != nil {
		return nil, fail(rankUnusable, ErrInvalidSignature, "%s: no signature content: %v", c.source, err)
	}
	var key *trustedKey
	var f *failure
	if vc.Certificate() != nil {
		f = p.authenticateCertificate(c, vc, sig)
	} else {
		key, f = p.authenticateKey(c, vc, sig)
	}
	if f != nil {
		return nil, f
	}
	if !slices.Contains(c.claimedDigests, digest.String()) {
		return nil, fail(rankDigest, ErrDigestMismatch,
			"%s is a valid signature for %v, not for this image (%s); it was copied from another image",
			c.source, c.claimedDigests, digest)
	}
	return p.verifyFully(c, key, digest)
}

// authenticateKey finds the policy key that made the signature.
func (p *Policy) authenticateKey(c *candidate, vc sgverify.VerificationContent, sig sgverify.SignatureContent) (*trustedKey, *failure) {
	if len(p.keys) == 0 {
		return nil, fail(rankUntrustedSig, ErrNoMatchingKey,
			"%s is signed with a public key, but the policy trusts only keyless identities %v", c.source, p.opts.Identities)
	}
	for i := range p.keys {
		if c.checkSignature(vc, sig, newKeyMaterial(p.opts.TrustedMaterial, p.keys[i])) == nil {
			return &p.keys[i], nil
		}
	}
	return nil, fail(rankUntrustedSig, ErrNoMatchingKey, "%s does not verify with any of the %d trusted keys %v",
		c.source, len(p.keys), p.KeyIDs())
}

// authenticateCertificate checks that a keyless signature's certificate chains to the trusted
// root, that it made the signature, and that its identity is one the policy trusts.
func (p *Policy) authenticateCertificate(c *candidate, vc sgverify.VerificationContent, sig sgverify.SignatureContent) *failure {
	cert := vc.Certificate()
	summary, err := certificate.SummarizeCertificate(cert)
	if err != nil {
		return fail(rankUnusable, ErrInvalidSignature, "%s: unreadable signing certificate: %v", c.source, err)
	}
	got := Identity{Issuer: summary.Issuer, Subject: summary.SubjectAlternativeName}
	if len(p.identities) == 0 {
		return fail(rankUntrustedSig, ErrNoMatchingKey, "%s is a keyless signature by %s, but the policy trusts only the keys %v",
			c.source, got, p.KeyIDs())
	}
	if err := chainsToTrustedRoot(cert, vc.Intermediates(), p.opts.TrustedMaterial); err != nil {
		return fail(rankUntrustedSig, ErrUntrustedRoot, "%s: certificate of %s issued by %q: %v",
			c.source, got, cert.Issuer.String(), err)
	}
	if err := c.checkSignature(vc, sig, p.opts.TrustedMaterial); err != nil {
		return fail(rankUntrustedSig, ErrInvalidSignature, "%s: the signature does not verify with its certificate: %v", c.source, err)
	}
	if _, err := p.identities.Verify(summary); err != nil {
		return fail(rankIdentity, ErrIdentityMismatch, "%s: expected one of %v, got %s", c.source, p.opts.Identities, got)
	}
	return nil
}

// checkSignature verifies only the signature bytes over the signed content (DSSE envelope or
// legacy payload) with the key the verification material and trusted material designate.
func (c *candidate) checkSignature(vc sgverify.VerificationContent, sig sgverify.SignatureContent, tm root.TrustedMaterial) error {
	if c.payload != nil {
		return sgverify.VerifySignatureWithArtifacts(sig, vc, tm, []io.Reader{bytes.NewReader(c.payload)})
	}
	return sgverify.VerifySignature(sig, vc, tm)
}

// chainsToTrustedRoot reports whether cert chains to any certificate authority of tm at some
// moment of its validity (its NotBefore). sigstore-go later repeats the check at the verified
// signing time; this early check only tells an untrusted root apart from other failures.
func chainsToTrustedRoot(cert *x509.Certificate, intermediates []*x509.Certificate, tm root.TrustedMaterial) error {
	leaf := *cert
	// Fulcio may mark an OtherName SAN critical; Go's x509 does not handle it. sigstore-go drops
	// it the same way before path validation.
	leaf.UnhandledCriticalExtensions = slices.DeleteFunc(slices.Clone(cert.UnhandledCriticalExtensions),
		func(oid asn1.ObjectIdentifier) bool { return oid.Equal(cryptoutils.SANOID) })
	var errs []error
	for _, ca := range tm.FulcioCertificateAuthorities() {
		if fca, ok := ca.(*root.FulcioCertificateAuthority); ok && len(intermediates) > 0 {
			withChain := *fca
			withChain.Intermediates = append(slices.Clone(fca.Intermediates), intermediates...)
			ca = &withChain
		}
		if _, err := ca.Verify(&leaf, cert.NotBefore); err == nil {
			return nil
		} else {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// verifyFully runs sigstore-go's complete verification with the signer found earlier. A
// transparency-log problem is checked first on its own, so that it gets its own error.
func (p *Policy) verifyFully(c *candidate, key *trustedKey, digest v1.Hash) (*Result, *failure) {
	tm := p.opts.TrustedMaterial
	if key != nil {
		tm = newKeyMaterial(tm, *key)
	}
	entries, err := c.entity.TlogEntries()
	if err != nil {
		return nil, fail(rankUnusable, ErrInvalidSignature, "%s: unreadable transparency log entries: %v", c.source, err)
	}
	useTlog := p.opts.TLog == TLogRequired || (p.opts.TLog == TLogOptional && len(entries) > 0)
	if useTlog && len(entries) == 0 {
		return nil, fail(rankAuthenticated, ErrTransparencyLog,
			"%s has no transparency log entry, but the policy requires one (tlog %s)", c.source, p.opts.TLog)
	}
	var logged *tlog.Entry
	if useTlog {
		if logged = entryInTrustedLog(entries, tm); logged == nil {
			return nil, fail(rankAuthenticated, ErrTransparencyLog,
				"%s: its transparency log entries come from logs %v, none of which the trusted root holds", c.source, logIDs(entries))
		}
		if _, err := sgverify.VerifyTlogEntry(c.entity, tm, 1, false); err != nil {
			return nil, fail(rankAuthenticated, ErrTransparencyLog, "%s: %v", c.source, err)
		}
	}
	vr, err := p.sigstoreVerify(c, tm, key, useTlog, entries, digest)
	if err != nil {
		return nil, fail(rankAuthenticated, ErrInvalidSignature, "%s: %v", c.source, err)
	}
	res := &Result{Format: c.format}
	if key != nil {
		res.KeyID = key.id
	} else if cs := vr.Signature.Certificate; cs != nil {
		res.Identity = &CertIdentity{Issuer: cs.Issuer, Subject: cs.SubjectAlternativeName}
	}
	if logged != nil {
		i := logged.LogIndex()
		res.LogIndex = &i
	}
	return res, nil
}

// sigstoreVerify is the authoritative check, by sigstore-go, with the options cosign would use.
func (p *Policy) sigstoreVerify(c *candidate, tm root.TrustedMaterial, key *trustedKey, useTlog bool,
	entries []*tlog.Entry, digest v1.Hash) (*sgverify.VerificationResult, error) {
	v, err := sgverify.NewVerifier(tm, p.verifierOptions(key != nil, useTlog, entries)...)
	if err != nil {
		return nil, err
	}
	artifact, err := c.artifactPolicy(digest)
	if err != nil {
		return nil, err
	}
	var opts []sgverify.PolicyOption
	if key != nil {
		opts = append(opts, sgverify.WithKey())
	} else {
		for _, id := range p.identities {
			opts = append(opts, sgverify.WithCertificateIdentity(id))
		}
	}
	return v.Verify(c.entity, sgverify.NewPolicy(artifact, opts...))
}

// verifierOptions mirrors cosign v3 (pkg/cosign CheckOpts.verificationOptions): a key needs no
// observer timestamp; a certificate is checked at the log's integrated time, or at a signed
// timestamp for Rekor v2 entries (which carry no integrated time), or at the current time when
// the log is ignored. SCTs are required for certificates unless explicitly switched off.
func (p *Policy) verifierOptions(withKey, useTlog bool, entries []*tlog.Entry) []sgverify.VerifierOption {
	opts := []sgverify.VerifierOption{sgverify.WithoutStatementPredicate()}
	if !withKey && !p.opts.InsecureIgnoreSCT {
		opts = append(opts, sgverify.WithSignedCertificateTimestamps(1))
	}
	switch {
	case useTlog && withKey:
		return append(opts, sgverify.WithTransparencyLog(1), sgverify.WithNoObserverTimestamps())
	case useTlog && onlyRekorV2(entries):
		return append(opts, sgverify.WithTransparencyLog(1), sgverify.WithSignedTimestamps(1))
	case useTlog:
		return append(opts, sgverify.WithTransparencyLog(1), sgverify.WithIntegratedTimestamps(1))
	case withKey:
		return append(opts, sgverify.WithNoObserverTimestamps())
	default:
		return append(opts, sgverify.WithCurrentTime())
	}
}

func onlyRekorV2(entries []*tlog.Entry) bool {
	for _, e := range entries {
		if !e.IntegratedTime().IsZero() {
			return false
		}
	}
	return len(entries) > 0
}

// entryInTrustedLog returns the first entry from a Rekor log of the trusted root.
func entryInTrustedLog(entries []*tlog.Entry, tm root.TrustedMaterial) *tlog.Entry {
	logs := tm.RekorLogs()
	for _, e := range entries {
		if _, ok := logs[hex.EncodeToString([]byte(e.LogKeyID()))]; ok {
			return e
		}
	}
	return nil
}

func logIDs(entries []*tlog.Entry) []string {
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = hex.EncodeToString([]byte(e.LogKeyID()))
	}
	return ids
}
