package actionregistry

import (
	"fmt"
	"regexp"
	"slices"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubernaut/kubernaut/internal/verify"
)

// Default keys inside referenced objects, so that the objects the usual tools write need no key:
// `cosign generate-key-pair k8s://<ns>/<name>` stores the public key as cosign.pub, and
// `cosign trusted-root create` writes trusted_root.json.
const (
	DefaultPublicKeyKey   = "cosign.pub"
	DefaultTrustedRootKey = "trusted_root.json"
)

// Trust is trust.yaml: who may sign action images (DESIGN D4). A signature is accepted when it
// verifies with ANY of the keys or matches ANY of the keyless identities. All referenced objects
// live in the controller's namespace.
type Trust struct {
	// Keys are public keys (PEM, as cosign.pub), several for rotation.
	Keys []KeyRef `json:"keys,omitempty"`
	// Keyless are trusted Fulcio certificate identities; they need TrustedRoot.
	Keyless []KeylessIdentity `json:"keyless,omitempty"`
	// TrustedRoot is the Sigstore trusted_root.json (Fulcio CAs, Rekor and CT log keys, TSAs).
	// Nothing is fetched online: an air-gapped cluster is given this file.
	TrustedRoot *TrustedRootRef `json:"trustedRoot,omitempty"`
	// TLog is the transparency-log policy: required (default), optional or disabled.
	TLog verify.TLogPolicy `json:"tlog,omitempty"`
	// InsecureIgnoreSCT accepts keyless certificates without a signed certificate timestamp
	// (cosign --insecure-ignore-sct), for private Sigstore deployments without a CT log.
	InsecureIgnoreSCT bool `json:"insecureIgnoreSCT,omitempty"`
}

// KeyRef points at one public key.
type KeyRef struct {
	// SecretRef names the Secret and key holding the PEM public key.
	SecretRef ObjectKeyRef `json:"secretRef"`
}

// TrustedRootRef points at a trusted_root.json.
type TrustedRootRef struct {
	// ConfigMapRef names the ConfigMap and key (data or binaryData) holding the file.
	ConfigMapRef ObjectKeyRef `json:"configMapRef"`
}

// ObjectKeyRef names one key of a Secret or ConfigMap in the controller's namespace.
type ObjectKeyRef struct {
	Name string `json:"name"`
	Key  string `json:"key,omitempty"`
}

// KeylessIdentity is a trusted keyless signer: exactly one of Issuer and IssuerRegexp, and
// exactly one of Subject and SubjectRegexp. As with cosign's *-regexp flags the expressions are
// not anchored: write ^...$ to match the whole value.
type KeylessIdentity struct {
	Issuer        string `json:"issuer,omitempty"`
	IssuerRegexp  string `json:"issuerRegexp,omitempty"`
	Subject       string `json:"subject,omitempty"`
	SubjectRegexp string `json:"subjectRegexp,omitempty"`
}

// Identity converts the identity to the verifier's form.
func (k KeylessIdentity) Identity() verify.Identity {
	return verify.Identity{Issuer: k.Issuer, IssuerRegexp: k.IssuerRegexp, Subject: k.Subject, SubjectRegexp: k.SubjectRegexp}
}

// TrustsAnyone reports whether the settings name at least one key or keyless identity.
func (t Trust) TrustsAnyone() bool { return len(t.Keys) > 0 || len(t.Keyless) > 0 }

func (t Trust) clone() Trust {
	c := t
	c.Keys = slices.Clone(t.Keys)
	c.Keyless = slices.Clone(t.Keyless)
	if t.TrustedRoot != nil {
		tr := *t.TrustedRoot
		c.TrustedRoot = &tr
	}
	return c
}

// parseTrust parses trust.yaml; an absent or empty document trusts nobody.
func parseTrust(raw string, p problems) Trust {
	var t Trust
	doc, err := decodeYAML([]byte(raw))
	if err != nil {
		p.add("", err.Error())
		return t
	}
	if doc == nil || !decodeInto(doc, &t, "", p) {
		return Trust{TLog: verify.TLogRequired}
	}
	for i := range t.Keys {
		checkObjectKeyRef(&t.Keys[i].SecretRef, fmt.Sprintf("keys[%d].secretRef", i), "Secret", DefaultPublicKeyKey, p)
	}
	for i, id := range t.Keyless {
		checkIdentity(id, fmt.Sprintf("keyless[%d]", i), p)
	}
	if t.TrustedRoot != nil {
		checkObjectKeyRef(&t.TrustedRoot.ConfigMapRef, "trustedRoot.configMapRef", "ConfigMap", DefaultTrustedRootKey, p)
	}
	checkTLog(&t, p)
	return t
}

// checkTLog validates the tlog policy and, when anyone is trusted, that the trusted root it
// needs is there: verify.Compile would refuse the policy on every run otherwise.
func checkTLog(t *Trust, p problems) {
	tlog, err := verify.ParseTLogPolicy(string(t.TLog))
	if err != nil {
		p.add("tlog", err.Error())
		return
	}
	t.TLog = tlog
	if len(t.Keyless) > 0 && t.TrustedRoot == nil {
		p.add("trustedRoot", "required by keyless identities: their certificates are checked against its certificate authorities")
	}
	if t.TrustsAnyone() && tlog != verify.TLogDisabled && t.TrustedRoot == nil {
		p.add("trustedRoot", fmt.Sprintf("required by tlog %q, which checks log entries against its Rekor keys; "+
			"for signatures never uploaded to a transparency log set tlog: disabled", tlog))
	}
}

func checkObjectKeyRef(ref *ObjectKeyRef, at, kind, defaultKey string, p problems) {
	if ref.Name == "" {
		p.add(at+".name", "required: the name of a "+kind+" in the controller's namespace")
	} else {
		for _, msg := range validation.IsDNS1123Subdomain(ref.Name) {
			p.add(at+".name", fmt.Sprintf("%q is not a %s name: %s", ref.Name, kind, msg))
		}
	}
	if ref.Key == "" {
		ref.Key = defaultKey
	}
	for _, msg := range validation.IsConfigMapKey(ref.Key) {
		p.add(at+".key", fmt.Sprintf("%q is not a %s key: %s", ref.Key, kind, msg))
	}
}

// checkIdentity demands exactly one of each exact/regexp pair, as cosign's paired flags do.
func checkIdentity(id KeylessIdentity, at string, p problems) {
	for _, pair := range []struct{ field, exact, expr string }{
		{"issuer", id.Issuer, id.IssuerRegexp},
		{"subject", id.Subject, id.SubjectRegexp},
	} {
		switch {
		case pair.exact == "" && pair.expr == "":
			p.add(at, fmt.Sprintf("set %s or %sRegexp", pair.field, pair.field))
		case pair.exact != "" && pair.expr != "":
			p.add(at, fmt.Sprintf("set %s or %sRegexp, not both", pair.field, pair.field))
		case pair.expr != "":
			if _, err := regexp.Compile(pair.expr); err != nil {
				p.add(fmt.Sprintf("%s.%sRegexp", at, pair.field), fmt.Sprintf("invalid regular expression: %v", err))
			}
		}
	}
}
