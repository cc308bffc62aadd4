package verify

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"time"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
)

// legacyEntity presents one layer of a cosign .sig image (a signature over a simple-signing
// payload) to sigstore-go as a SignedEntity, so that the same verifier checks both formats.
// Its shape mirrors a v0.1 bundle with a message signature: the Rekor "bundle" annotation of
// cosign v2 is an inclusion promise (SET) and nothing more.
type legacyEntity struct {
	payload       []byte
	signature     []byte
	cert          *x509.Certificate   // nil for key signatures
	intermediates []*x509.Certificate // from the chain annotation, without the root
	entry         *tlog.Entry         // nil without a Rekor bundle annotation
}

var _ sgverify.SignedEntity = (*legacyEntity)(nil)

// HasInclusionPromise implements sgverify.SignedEntity: the Rekor annotation is a promise (SET).
func (e *legacyEntity) HasInclusionPromise() bool { return e.entry != nil }

// HasInclusionProof implements sgverify.SignedEntity: cosign v2 annotations carry no proof.
func (e *legacyEntity) HasInclusionProof() bool { return false }

// SignatureContent implements sgverify.SignedEntity: a message signature over the payload.
func (e *legacyEntity) SignatureContent() (sgverify.SignatureContent, error) {
	sum := sha256.Sum256(e.payload)
	return bundle.NewMessageSignature(sum[:], protocommon.HashAlgorithm_SHA2_256.String(), e.signature), nil
}

// VerificationContent implements sgverify.SignedEntity.
func (e *legacyEntity) VerificationContent() (sgverify.VerificationContent, error) {
	if e.cert != nil {
		return &certContent{cert: e.cert, intermediates: e.intermediates}, nil
	}
	return keyContent{}, nil
}

// Timestamps is empty: RFC 3161 timestamp annotations of legacy signatures are not supported.
func (e *legacyEntity) Timestamps() ([][]byte, error) { return nil, nil }

// TlogEntries implements sgverify.SignedEntity.
func (e *legacyEntity) TlogEntries() ([]*tlog.Entry, error) {
	if e.entry == nil {
		return nil, nil
	}
	return []*tlog.Entry{e.entry}, nil
}

// Version reports v0.1, the bundle version whose rules (inclusion promise, no proof) fit a legacy
// signature.
func (e *legacyEntity) Version() (string, error) { return "v0.1", nil }

// certContent is the verification material of a legacy keyless signature: the leaf certificate
// and the intermediates of the chain annotation.
type certContent struct {
	cert          *x509.Certificate
	intermediates []*x509.Certificate
}

// CompareKey implements sgverify.VerificationContent: a log entry must name this certificate.
func (c *certContent) CompareKey(key any, _ root.TrustedMaterial) bool {
	other, ok := key.(*x509.Certificate)
	return ok && c.cert.Equal(other)
}

// ValidAtTime implements sgverify.VerificationContent.
func (c *certContent) ValidAtTime(t time.Time, _ root.TrustedMaterial) bool {
	return !c.cert.NotAfter.Before(t) && !c.cert.NotBefore.After(t)
}

// Certificate implements sgverify.VerificationContent.
func (c *certContent) Certificate() *x509.Certificate { return c.cert }

// Intermediates implements sgverify.VerificationContent.
func (c *certContent) Intermediates() []*x509.Certificate { return c.intermediates }

// PublicKey implements sgverify.VerificationContent: a certificate signature has no key hint.
func (c *certContent) PublicKey() sgverify.PublicKeyProvider { return nil }

// keyContent is the verification material of a key signature. The key itself is looked up in
// the trusted material (see keyMaterial), exactly like a bundle's public-key hint.
type keyContent struct{}

// Hint implements sgverify.PublicKeyProvider; keyMaterial ignores it.
func (keyContent) Hint() string { return "" }

// CompareKey implements sgverify.VerificationContent: a log entry must name the policy key.
func (keyContent) CompareKey(key any, tm root.TrustedMaterial) bool {
	v, err := tm.PublicKeyVerifier("")
	if err != nil {
		return false
	}
	pub, err := v.PublicKey()
	if err != nil {
		return false
	}
	eq, ok := key.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(pub)
}

// ValidAtTime implements sgverify.VerificationContent.
func (keyContent) ValidAtTime(t time.Time, tm root.TrustedMaterial) bool {
	v, err := tm.PublicKeyVerifier("")
	return err == nil && v.ValidAtTime(t)
}

// Certificate implements sgverify.VerificationContent.
func (keyContent) Certificate() *x509.Certificate { return nil }

// Intermediates implements sgverify.VerificationContent.
func (keyContent) Intermediates() []*x509.Certificate { return nil }

// PublicKey implements sgverify.VerificationContent.
func (k keyContent) PublicKey() sgverify.PublicKeyProvider { return k }

// keyMaterial is the trust root seen while checking one policy key: the policy's trusted
// material (for Rekor keys) plus that single key, returned whatever the hint says. cosign does the
// same (pkg/cosign verificationOptions): a bundle's public-key hint is a free-form string, so
// each trusted key is tried in turn rather than looked up by hint.
type keyMaterial struct {
	root.TrustedMaterial
	key *root.ExpiringKey
}

func newKeyMaterial(tm root.TrustedMaterial, k trustedKey) *keyMaterial {
	if tm == nil {
		tm = &root.BaseTrustedMaterial{}
	}
	// A zero validity window: the key is trusted for as long as it is in the policy.
	return &keyMaterial{TrustedMaterial: tm, key: root.NewExpiringKey(k.verifier, time.Time{}, time.Time{})}
}

// PublicKeyVerifier implements root.TrustedMaterial: the one policy key, whatever the hint.
func (m *keyMaterial) PublicKeyVerifier(string) (root.TimeConstrainedVerifier, error) {
	return m.key, nil
}
