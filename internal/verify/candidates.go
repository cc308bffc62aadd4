package verify

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature/payload"
)

const (
	// signPredicateType is the in-toto predicate of the statement `cosign sign` (v3) wraps in a
	// DSSE envelope: "this image is signed". Attestations (SLSA provenance, SBOMs…) are attached
	// the same way but are not signatures of the image, so they are not accepted as such, even
	// though a bare `cosign verify` would accept them.
	signPredicateType = "https://sigstore.dev/cosign/sign/v1"
	// inTotoPayloadType is the DSSE payload type of an in-toto statement.
	inTotoPayloadType = "application/vnd.in-toto+json"
)

// inTotoStatement is the part of an in-toto statement the digest binding needs.
type inTotoStatement struct {
	PredicateType string `json:"predicateType"`
	Subject       []struct {
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
}

// bundleCandidate turns a fetched bundle into a candidate, or records why it is not one: bundles
// that are not image signatures are ignored, unreadable ones are failures.
func bundleCandidate(fb fetchedBundle, fs *failures) *candidate {
	env := fb.bundle.GetDsseEnvelope()
	if env == nil {
		fs.ignored = append(fs.ignored, "message-signature bundle")
		return nil
	}
	if env.GetPayloadType() != inTotoPayloadType {
		fs.ignored = append(fs.ignored, "DSSE payload "+env.GetPayloadType())
		return nil
	}
	var st inTotoStatement
	if err := json.Unmarshal(env.GetPayload(), &st); err != nil {
		fs.add(fail(rankUnusable, ErrInvalidSignature, "%s: unreadable in-toto statement: %v", fb.source, err))
		return nil
	}
	if st.PredicateType != signPredicateType {
		fs.ignored = append(fs.ignored, st.PredicateType)
		return nil
	}
	c := &candidate{source: fb.source, format: FormatBundle, entity: fb.bundle}
	for _, s := range st.Subject {
		for alg, hexDigest := range s.Digest {
			c.claimedDigests = append(c.claimedDigests, alg+":"+hexDigest)
		}
	}
	return c
}

// legacyCandidate turns one layer of a .sig image into a candidate.
func legacyCandidate(ls legacySignature) (*candidate, *failure) {
	unusable := func(format string, args ...any) (*candidate, *failure) {
		return nil, fail(rankUnusable, ErrInvalidSignature, "%s: %s", ls.source, fmt.Sprintf(format, args...))
	}
	if ls.payload == nil {
		return unusable("payload larger than %d bytes", maxSignatureBlobBytes)
	}
	sig, err := base64.StdEncoding.DecodeString(ls.annotations[sigAnnotation])
	if err != nil || len(sig) == 0 {
		return unusable("annotation %s is missing or not base64", sigAnnotation)
	}
	var claim payload.SimpleContainerImage
	if err := json.Unmarshal(ls.payload, &claim); err != nil {
		return unusable("payload is not a simple-signing document: %v", err)
	}
	e := &legacyEntity{payload: ls.payload, signature: sig}
	if pemCert := ls.annotations[certAnnotation]; pemCert != "" {
		certs, err := cryptoutils.UnmarshalCertificatesFromPEM([]byte(pemCert))
		if err != nil || len(certs) == 0 {
			return unusable("annotation %s holds no PEM certificate", certAnnotation)
		}
		e.cert = certs[0]
		if e.intermediates, err = chainIntermediates(ls.annotations[chainAnnotation]); err != nil {
			return unusable("annotation %s: %v", chainAnnotation, err)
		}
	}
	if rb := ls.annotations[bundleAnnotation]; rb != "" {
		if e.entry, err = parseRekorBundle(rb); err != nil {
			return unusable("annotation %s: %v", bundleAnnotation, err)
		}
	}
	return &candidate{
		source:         ls.source,
		format:         FormatLegacy,
		entity:         e,
		payload:        ls.payload,
		claimedDigests: []string{claim.Critical.Image.DockerManifestDigest},
	}, nil
}

// chainIntermediates returns the intermediate CAs of a chain annotation. Roots are dropped: trust
// anchors come only from the policy's trusted root, never from the signature.
func chainIntermediates(chainPEM string) ([]*x509.Certificate, error) {
	if chainPEM == "" {
		return nil, nil
	}
	certs, err := cryptoutils.UnmarshalCertificatesFromPEM([]byte(chainPEM))
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for _, c := range certs {
		selfSigned := bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil
		if c.IsCA && !selfSigned {
			out = append(out, c)
		}
	}
	return out, nil
}

// rekorBundle is cosign's "dev.sigstore.cosign/bundle" annotation: a Rekor v1 entry with its
// signed entry timestamp (SET), enough to verify the log inclusion offline.
type rekorBundle struct {
	SignedEntryTimestamp []byte `json:"SignedEntryTimestamp"`
	Payload              struct {
		Body           string `json:"body"`
		IntegratedTime int64  `json:"integratedTime"`
		LogIndex       int64  `json:"logIndex"`
		LogID          string `json:"logID"`
	} `json:"Payload"`
}

// parseRekorBundle rebuilds the log entry the way cosign does (pkg/cosign VerifyBundle), so that
// sigstore-go checks the SET and that the entry matches the signature, key and payload hash.
func parseRekorBundle(s string) (*tlog.Entry, error) {
	var rb rekorBundle
	if err := json.Unmarshal([]byte(s), &rb); err != nil {
		return nil, fmt.Errorf("not a Rekor bundle: %w", err)
	}
	body, err := base64.StdEncoding.DecodeString(rb.Payload.Body)
	if err != nil {
		return nil, fmt.Errorf("entry body is not base64: %w", err)
	}
	logID, err := hex.DecodeString(rb.Payload.LogID)
	if err != nil {
		return nil, fmt.Errorf("log id is not hex: %w", err)
	}
	entry, err := tlog.NewEntry(body, rb.Payload.IntegratedTime, rb.Payload.LogIndex, logID, rb.SignedEntryTimestamp, nil)
	if err != nil {
		return nil, fmt.Errorf("unreadable log entry: %w", err)
	}
	return entry, nil
}
