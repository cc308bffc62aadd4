package verify

import "time"

// Signature storage formats, as reported in Result.Format.
const (
	// FormatBundle is a Sigstore bundle attached as an OCI referrer (cosign v3 default).
	FormatBundle = "bundle"
	// FormatLegacy is a simple-signing payload under the sha256-<hex>.sig tag (cosign v2).
	FormatLegacy = "legacy"
)

// CertIdentity is the keyless signer recorded in a verified Fulcio certificate.
type CertIdentity struct {
	// Issuer is the OIDC issuer (certificate extension 1.3.6.1.4.1.57264.1.1 / .8).
	Issuer string
	// Subject is the certificate's subject alternative name (e-mail, URI, workflow ref).
	Subject string
}

// Result describes a successful verification.
type Result struct {
	// Digest is the verified manifest digest, "sha256:<hex>".
	Digest string
	// Repository is the repository the signature was found in, e.g. "ghcr.io/acme/scale".
	Repository string
	// ResolvedFrom is the tag the digest was resolved from when the reference named only a tag
	// (allowed only when the policy does not require digests); empty for digest references.
	ResolvedFrom string
	// Format is FormatBundle or FormatLegacy.
	Format string
	// KeyID identifies the policy key that verified a key-signed image: the base64 SHA-256 of
	// its PKIX encoding, as in a bundle's public-key hint; empty for keyless signatures.
	KeyID string
	// Identity is the certificate identity of a keyless signature; nil for key signatures.
	Identity *CertIdentity
	// LogIndex is the Rekor log index of the verified transparency-log entry; nil when no entry
	// was verified (tlog disabled, or optional and absent).
	LogIndex *int64
	// VerifiedAt is when the signature was verified (not when a cached result was served).
	VerifiedAt time.Time
	// FromCache is true when the result was served from the verifier's cache.
	FromCache bool
}

// clone returns a deep copy so that callers can never modify a cached result.
func (r *Result) clone() *Result {
	c := *r
	if r.Identity != nil {
		id := *r.Identity
		c.Identity = &id
	}
	if r.LogIndex != nil {
		i := *r.LogIndex
		c.LogIndex = &i
	}
	return &c
}
