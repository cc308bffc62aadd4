package verify

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"

	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
)

// TLogPolicy says whether a signature must be recorded in a Rekor transparency log.
type TLogPolicy string

const (
	// TLogRequired demands at least one log entry (inclusion promise or proof) that verifies
	// against a Rekor key of the trusted root. This is cosign's default. The empty TLogPolicy
	// means TLogRequired.
	TLogRequired TLogPolicy = "required"
	// TLogOptional verifies every log entry a signature carries, exactly as TLogRequired does, but
	// accepts a signature that carries none. A present entry that fails is never downgraded to
	// "absent": it fails verification.
	TLogOptional TLogPolicy = "optional"
	// TLogDisabled ignores log entries, like cosign's --insecure-ignore-tlog. Keyless
	// certificates are then checked against the current time, so short-lived Fulcio certificates
	// only verify within their validity window.
	TLogDisabled TLogPolicy = "disabled"
)

// ParseTLogPolicy parses the value of a --tlog flag.
func ParseTLogPolicy(s string) (TLogPolicy, error) {
	switch p := TLogPolicy(s); p {
	case TLogRequired, TLogOptional, TLogDisabled:
		return p, nil
	case "":
		return TLogRequired, nil
	default:
		return "", fmt.Errorf("tlog policy %q is not one of required, optional, disabled", s)
	}
}

// Identity is one keyless signer the policy trusts: the OIDC issuer recorded in the Fulcio
// certificate and the certificate's subject alternative name. Each of issuer and subject is given
// either exactly or as a Go regular expression. Like cosign's --certificate-identity-regexp the
// expressions are NOT anchored: write ^…$ to match the whole value.
type Identity struct {
	Issuer        string
	IssuerRegexp  string
	Subject       string
	SubjectRegexp string
}

// String renders the identity the way error messages show it.
func (i Identity) String() string {
	issuer, subject := i.Issuer, i.Subject
	if i.IssuerRegexp != "" {
		issuer = "~" + i.IssuerRegexp
	}
	if i.SubjectRegexp != "" {
		subject = "~" + i.SubjectRegexp
	}
	return fmt.Sprintf("{issuer %q, subject %q}", issuer, subject)
}

// PolicyOptions is the input of Compile. A signature is accepted when it verifies with ANY of the
// keys or matches ANY of the identities.
type PolicyOptions struct {
	// Keys are trusted public keys. Several keys allow rotation: old and new keys verify side by
	// side.
	Keys []crypto.PublicKey
	// Identities are trusted keyless signers. They need TrustedMaterial.
	Identities []Identity
	// TrustedMaterial is the Sigstore trust root: Fulcio CAs for keyless certificates, Rekor keys
	// for log entries, CT logs for SCTs, TSAs. Load it from a file with LoadTrustedRoot; nothing is
	// ever fetched online.
	TrustedMaterial root.TrustedMaterial
	// TLog is the transparency-log policy; empty means TLogRequired.
	TLog TLogPolicy
	// RequireDigest rejects references that name only a tag (strict mode).
	RequireDigest bool
	// InsecureIgnoreSCT skips the check that a keyless certificate carries a signed certificate
	// timestamp from a trusted CT log (cosign --insecure-ignore-sct). Only for private or test
	// Sigstore deployments without a CT log.
	InsecureIgnoreSCT bool
}

// Policy is a compiled, immutable verification policy. Build it with Compile; its Hash identifies
// it in the verification cache.
type Policy struct {
	opts       PolicyOptions
	keys       []trustedKey
	identities sgverify.CertificateIdentities
	hash       string
}

// trustedKey is a policy key ready to verify: its id and a sigstore signature verifier.
type trustedKey struct {
	id       string
	public   crypto.PublicKey
	verifier signature.Verifier
}

// Compile validates options and builds a Policy. Errors name the offending field.
func Compile(opts PolicyOptions) (*Policy, error) {
	tlog, err := ParseTLogPolicy(string(opts.TLog))
	if err != nil {
		return nil, fmt.Errorf("policy field TLog: %w", err)
	}
	opts.TLog = tlog
	opts.Keys = slices.Clone(opts.Keys)
	opts.Identities = slices.Clone(opts.Identities)
	if len(opts.Keys) == 0 && len(opts.Identities) == 0 {
		return nil, errors.New("policy trusts nobody: set Keys (--key) or Identities (--certificate-identity and --certificate-oidc-issuer)")
	}
	if err := checkTrustedMaterial(opts); err != nil {
		return nil, err
	}
	p := &Policy{opts: opts}
	if p.keys, err = compileKeys(opts.Keys); err != nil {
		return nil, err
	}
	if p.identities, err = compileIdentities(opts.Identities); err != nil {
		return nil, err
	}
	if p.hash, err = policyHash(opts); err != nil {
		return nil, err
	}
	return p, nil
}

func checkTrustedMaterial(opts PolicyOptions) error {
	tm := opts.TrustedMaterial
	if len(opts.Identities) > 0 {
		if tm == nil {
			return errors.New("policy field TrustedMaterial: keyless identities need a trusted root (--trusted-root) to verify certificates against")
		}
		if len(tm.FulcioCertificateAuthorities()) == 0 {
			return errors.New("policy field TrustedMaterial: keyless identities need a trusted root with at least one certificate authority")
		}
	}
	if opts.TLog != TLogDisabled && (tm == nil || len(tm.RekorLogs()) == 0) {
		return fmt.Errorf("policy field TLog: tlog %q needs a trusted root (--trusted-root) holding a Rekor log key; "+
			"for signatures that were never uploaded to a transparency log use tlog %q", opts.TLog, TLogDisabled)
	}
	return nil
}

func compileKeys(keys []crypto.PublicKey) ([]trustedKey, error) {
	out := make([]trustedKey, 0, len(keys))
	for i, pub := range keys {
		if pub == nil {
			return nil, fmt.Errorf("policy field Keys[%d]: key is nil", i)
		}
		id, err := keyID(pub)
		if err != nil {
			return nil, fmt.Errorf("policy field Keys[%d]: %w", i, err)
		}
		// cosign loads verification keys with SHA-256 (pkg/signature LoadPublicKeyRaw).
		v, err := signature.LoadVerifier(pub, crypto.SHA256)
		if err != nil {
			return nil, fmt.Errorf("policy field Keys[%d]: unsupported key type %T: %w", i, pub, err)
		}
		out = append(out, trustedKey{id: id, public: pub, verifier: v})
	}
	return out, nil
}

func compileIdentities(ids []Identity) (sgverify.CertificateIdentities, error) {
	out := make(sgverify.CertificateIdentities, 0, len(ids))
	for i, id := range ids {
		field := fmt.Sprintf("policy field Identities[%d]", i)
		if err := checkMatcherField(field, "Issuer", id.Issuer, id.IssuerRegexp); err != nil {
			return nil, err
		}
		if err := checkMatcherField(field, "Subject", id.Subject, id.SubjectRegexp); err != nil {
			return nil, err
		}
		ci, err := sgverify.NewShortCertificateIdentity(id.Issuer, id.IssuerRegexp, id.Subject, id.SubjectRegexp)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		out = append(out, ci)
	}
	return out, nil
}

// checkMatcherField demands exactly one of an exact value and a regexp, as cosign's paired
// --certificate-identity / --certificate-identity-regexp flags do, and a regexp that compiles.
func checkMatcherField(field, name, exact, expr string) error {
	switch {
	case exact == "" && expr == "":
		return fmt.Errorf("%s: set %s or %sRegexp", field, name, name)
	case exact != "" && expr != "":
		return fmt.Errorf("%s: set %s or %sRegexp, not both", field, name, name)
	case expr != "":
		if _, err := regexp.Compile(expr); err != nil {
			return fmt.Errorf("%s.%sRegexp: invalid regular expression %q: %w", field, name, expr, err)
		}
	}
	return nil
}

// keyID names a public key in results and messages: the standard base64 of the SHA-256 of its
// PKIX (DER) encoding, the value sigstore-go and cosign write as a bundle's public-key hint and
// the one internal/signing.KeyID returns.
func keyID(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("encoding public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return base64.StdEncoding.EncodeToString(sum[:]), nil
}

// Hash identifies the policy: a SHA-256 over a canonical form of the keys, identities, trusted
// material, tlog policy and flags. Equal policies have equal hashes, whatever the order of their
// keys and identities.
func (p *Policy) Hash() string { return p.hash }

// Keys returns the trusted public keys.
func (p *Policy) Keys() []crypto.PublicKey { return slices.Clone(p.opts.Keys) }

// KeyIDs returns the ids of the trusted keys, in the order of Keys.
func (p *Policy) KeyIDs() []string {
	ids := make([]string, len(p.keys))
	for i, k := range p.keys {
		ids[i] = k.id
	}
	return ids
}

// Identities returns the trusted keyless identities.
func (p *Policy) Identities() []Identity { return slices.Clone(p.opts.Identities) }

// TrustedMaterial returns the trust root the policy verifies certificates and log entries against.
func (p *Policy) TrustedMaterial() root.TrustedMaterial { return p.opts.TrustedMaterial }

// TLog returns the transparency-log policy (never empty).
func (p *Policy) TLog() TLogPolicy { return p.opts.TLog }

// RequireDigest reports whether tag-only references are rejected.
func (p *Policy) RequireDigest() bool { return p.opts.RequireDigest }

// InsecureIgnoreSCT reports whether the SCT requirement for keyless certificates is switched off.
func (p *Policy) InsecureIgnoreSCT() bool { return p.opts.InsecureIgnoreSCT }

// LoadTrustedRoot reads a Sigstore trusted_root.json (as written by `cosign trusted-root create`
// or the sigstore TUF repository) from a file. It never goes online.
func LoadTrustedRoot(path string) (*root.TrustedRoot, error) {
	tr, err := root.NewTrustedRootFromPath(path)
	if err != nil {
		return nil, fmt.Errorf("loading trusted root %s: %w", path, err)
	}
	return tr, nil
}

// ParseTrustedRoot reads trusted_root.json content, for example from a ConfigMap.
func ParseTrustedRoot(data []byte) (*root.TrustedRoot, error) {
	tr, err := root.NewTrustedRootFromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("parsing trusted root: %w", err)
	}
	return tr, nil
}
