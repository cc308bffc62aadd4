package actionregistry

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kubernaut/kubernaut/internal/verify"
)

const (
	digest    = "sha256:5f1c0e0c4e1d5a3f2b9e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928"
	scaleRef  = "ghcr.io/kubernaut/actions/scale@" + digest
	trustKeys = `
keys:
- secretRef: {name: cosign-pub, key: cosign.pub}
tlog: disabled
`
)

// The seed's registry entry, digest aside, must parse unchanged.
const seedRegistry = `
kubernetes/scale_deployment:
  image: ` + scaleRef + `
  contract: /action-contract.yaml
  verification: strict
`

func TestParseAcceptsTheSeedEntry(t *testing.T) {
	reg, err := Parse(map[string]string{RegistryKey: seedRegistry, TrustKey: trustKeys})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := Entry{
		ActionType:   "kubernetes/scale_deployment",
		Image:        scaleRef,
		ContractPath: "/action-contract.yaml",
		Verification: ModeStrict,
	}
	got, ok := reg.Lookup("kubernetes/scale_deployment")
	if !ok {
		t.Fatal("Lookup(kubernetes/scale_deployment) found nothing")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entry (-want +got):\n%s", diff)
	}
	if _, ok := reg.Lookup("kubernetes/restart_pod"); ok {
		t.Error("Lookup of an action type without entry found one")
	}
	wantTrust := Trust{Keys: []KeyRef{{SecretRef: ObjectKeyRef{Name: "cosign-pub", Key: "cosign.pub"}}}, TLog: verify.TLogDisabled}
	if diff := cmp.Diff(wantTrust, reg.Trust()); diff != "" {
		t.Errorf("trust (-want +got):\n%s", diff)
	}
}

func TestParseAppliesDefaultsAndSortsEntries(t *testing.T) {
	reg, err := Parse(map[string]string{
		RegistryKey: `
kubernetes/scale_deployment: {image: "` + scaleRef + `"}
git/create_pr: {image: "registry.local:5000/pr:v1", verification: disabled, contract: /etc/kubernaut/contract.yaml}
kubernetes/drain_node: {image: "` + scaleRef + `", verification: warn, serviceAccountName: node-drainer}
`,
		TrustKey: `
keys: [{secretRef: {name: cosign-pub}}]
keyless: [{issuer: https://accounts.example.com, subjectRegexp: ^ci@example\.com$}]
trustedRoot: {configMapRef: {name: sigstore-root}}
`,
	})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := []Entry{
		{ActionType: "git/create_pr", Image: "registry.local:5000/pr:v1", ContractPath: "/etc/kubernaut/contract.yaml", Verification: ModeDisabled},
		{ActionType: "kubernetes/drain_node", Image: scaleRef, ContractPath: "/action-contract.yaml", Verification: ModeWarn, ServiceAccountName: "node-drainer"},
		{ActionType: "kubernetes/scale_deployment", Image: scaleRef, ContractPath: "/action-contract.yaml", Verification: ModeStrict},
	}
	if diff := cmp.Diff(want, reg.Entries()); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	wantTrust := Trust{
		Keys:        []KeyRef{{SecretRef: ObjectKeyRef{Name: "cosign-pub", Key: DefaultPublicKeyKey}}},
		Keyless:     []KeylessIdentity{{Issuer: "https://accounts.example.com", SubjectRegexp: `^ci@example\.com$`}},
		TrustedRoot: &TrustedRootRef{ConfigMapRef: ObjectKeyRef{Name: "sigstore-root", Key: DefaultTrustedRootKey}},
		TLog:        verify.TLogRequired,
	}
	if diff := cmp.Diff(wantTrust, reg.Trust()); diff != "" {
		t.Errorf("trust (-want +got):\n%s", diff)
	}
}

func TestParseAcceptsEmptyDocuments(t *testing.T) {
	for name, data := range map[string]map[string]string{
		"an empty mapping and no trust":     {RegistryKey: "{}"},
		"an empty document and empty trust": {RegistryKey: "", TrustKey: ""},
		"only comments":                     {RegistryKey: "# no actions yet\n", TrustKey: "# nobody\n"},
	} {
		t.Run(name, func(t *testing.T) {
			reg, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if n := len(reg.Entries()); n != 0 {
				t.Errorf("got %d entries, want none", n)
			}
			if reg.Trust().TrustsAnyone() {
				t.Error("an empty trust.yaml trusts someone")
			}
			if got := reg.Trust().TLog; got != verify.TLogRequired {
				t.Errorf("tlog = %q, want the default %q", got, verify.TLogRequired)
			}
		})
	}
}

func TestTrustReturnsACopy(t *testing.T) {
	reg, err := Parse(map[string]string{RegistryKey: seedRegistry, TrustKey: trustKeys})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	tr := reg.Trust()
	tr.Keys[0].SecretRef.Name = "attacker"
	if got := reg.Trust().Keys[0].SecretRef.Name; got != "cosign-pub" {
		t.Errorf("changing a returned Trust changed the registry: key secret is now %q", got)
	}
}

func TestParseRefusesBadRegistries(t *testing.T) {
	entry := func(body string) map[string]string {
		return map[string]string{RegistryKey: "kubernetes/scale_deployment:\n" + body, TrustKey: trustKeys}
	}
	tests := []struct {
		name string
		data map[string]string
		want string // a substring of the error; it names the key, the entry and the field
	}{
		{"a misspelt field is named with its entry", entry("  imgae: " + scaleRef),
			"registry.yaml: kubernetes/scale_deployment.imgae: unknown field; did you mean image?"},
		{"a tag in strict mode is refused", entry("  image: ghcr.io/kubernaut/actions/scale:v1"),
			`registry.yaml: kubernetes/scale_deployment.image: "ghcr.io/kubernaut/actions/scale:v1" is not pinned by digest; verification strict`},
		{"a tag in warn mode is refused", entry("  image: ghcr.io/x/scale:v1\n  verification: warn"),
			`kubernetes/scale_deployment.image: "ghcr.io/x/scale:v1" is not pinned by digest; verification warn`},
		{"an upper-case digest is refused", entry("  image: ghcr.io/x/scale@" + strings.ToUpper(digest)),
			"kubernetes/scale_deployment.image: \"ghcr.io/x/scale@SHA256:"},
		{"a missing image is refused", entry("  verification: strict"),
			"registry.yaml: kubernetes/scale_deployment.image: required"},
		{"an image that is no reference is refused in disabled mode", entry("  image: 'UPPER/Case:tag'\n  verification: disabled"),
			`kubernetes/scale_deployment.image: "UPPER/Case:tag" is not a valid image reference`},
		{"an unknown mode is refused", entry("  image: " + scaleRef + "\n  verification: strickt"),
			`kubernetes/scale_deployment.verification: "strickt" is not one of strict, warn, disabled`},
		{"a relative contract path is refused", entry("  image: " + scaleRef + "\n  contract: action-contract.yaml"),
			`kubernetes/scale_deployment.contract: "action-contract.yaml" must be an absolute, clean path`},
		{"a contract path that climbs is refused", entry("  image: " + scaleRef + "\n  contract: /etc/../action-contract.yaml"),
			`kubernetes/scale_deployment.contract: "/etc/../action-contract.yaml" must be an absolute, clean path`},
		{"a bad service account name is refused", entry("  image: " + scaleRef + "\n  serviceAccountName: Scaler_SA"),
			`kubernetes/scale_deployment.serviceAccountName: "Scaler_SA" is not a ServiceAccount name`},
		{"a number where a string belongs is refused", entry("  image: 42"),
			"kubernetes/scale_deployment.image: must be a string, got the number 42"},
		{"an entry that is no mapping is refused", entry("  - " + scaleRef),
			"registry.yaml: kubernetes/scale_deployment: must be a mapping, got a list"},
		{"an action type without group is refused", map[string]string{RegistryKey: "scale_deployment: {image: " + scaleRef + "}"},
			"registry.yaml: scale_deployment: action type must be <group>/<name>"},
		{"an upper-case action type is refused", map[string]string{RegistryKey: "Kubernetes/Scale: {image: " + scaleRef + "}"},
			"registry.yaml: Kubernetes/Scale: action type must be <group>/<name>"},
		{"a duplicate action type is refused", map[string]string{RegistryKey: seedRegistry + seedRegistry},
			`registry.yaml: not valid YAML`},
		{"a list instead of a map is refused", map[string]string{RegistryKey: "- kubernetes/scale_deployment"},
			"registry.yaml: must map action types to entries"},
		{"malformed YAML is refused", map[string]string{RegistryKey: "kubernetes/scale_deployment: {image: [}"},
			"registry.yaml: not valid YAML"},
		{"a missing registry key is refused", map[string]string{TrustKey: trustKeys},
			"kubernaut-action-registry: missing key registry.yaml"},
		{"a misspelt ConfigMap key is refused", map[string]string{RegistryKey: seedRegistry, "trust.yml": trustKeys},
			"kubernaut-action-registry: unknown key trust.yml; did you mean trust.yaml?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertParseError(t, tt.data, tt.want)
		})
	}
}

func TestParseRefusesBadTrust(t *testing.T) {
	trust := func(doc string) map[string]string { return map[string]string{RegistryKey: seedRegistry, TrustKey: doc} }
	tests := []struct {
		name string
		data map[string]string
		want string
	}{
		{"a misspelt nested field is named with its path", trust("keys: [{secretRef: {nmae: k}}]\ntlog: disabled"),
			"trust.yaml: keys[0].secretRef.nmae: unknown field; did you mean name?"},
		{"a key without secret name is refused", trust("keys: [{secretRef: {key: cosign.pub}}]\ntlog: disabled"),
			"trust.yaml: keys[0].secretRef.name: required"},
		{"a bad secret name is refused", trust("keys: [{secretRef: {name: Cosign_Pub}}]\ntlog: disabled"),
			`trust.yaml: keys[0].secretRef.name: "Cosign_Pub" is not a Secret name`},
		{"an identity with issuer and issuerRegexp is refused",
			trust("keyless: [{issuer: a, issuerRegexp: b, subject: c}]\ntrustedRoot: {configMapRef: {name: r}}"),
			"trust.yaml: keyless[0]: set issuer or issuerRegexp, not both"},
		{"an identity without subject is refused", trust("keyless: [{issuer: a}]\ntrustedRoot: {configMapRef: {name: r}}"),
			"trust.yaml: keyless[0]: set subject or subjectRegexp"},
		{"an identity with a broken regexp is refused",
			trust("keyless: [{issuer: a, subjectRegexp: '(unclosed'}]\ntrustedRoot: {configMapRef: {name: r}}"),
			"trust.yaml: keyless[0].subjectRegexp: invalid regular expression"},
		{"keyless identities without trusted root are refused", trust("keyless: [{issuer: a, subject: b}]\ntlog: disabled"),
			"trust.yaml: trustedRoot: required by keyless identities"},
		{"keys under the default tlog policy need a trusted root", trust("keys: [{secretRef: {name: k}}]"),
			`trust.yaml: trustedRoot: required by tlog "required"`},
		{"an unknown tlog policy is refused", trust("keys: [{secretRef: {name: k}}]\ntlog: sometimes"),
			`trust.yaml: tlog: tlog policy "sometimes" is not one of required, optional, disabled`},
		{"a string where a boolean belongs is refused", trust("insecureIgnoreSCT: 'yes'\ntlog: disabled"),
			`trust.yaml: insecureIgnoreSCT: must be true or false, got the string "yes"`},
		{"a trusted root without ConfigMap name is refused",
			trust("keys: [{secretRef: {name: k}}]\ntrustedRoot: {configMapRef: {key: root.json}}"),
			"trust.yaml: trustedRoot.configMapRef.name: required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertParseError(t, tt.data, tt.want)
		})
	}
}

func TestParseReportsEveryProblemAtOnce(t *testing.T) {
	_, err := Parse(map[string]string{
		RegistryKey: "a/b: {imgae: x}\nc/d: {image: 'x:v1'}\n",
		TrustKey:    "keys: [{secretRef: {}}]\ntlog: disabled",
	})
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("Parse error = %v, want a *ParseError", err)
	}
	var got []string
	for _, p := range pe.Problems {
		got = append(got, p.Key+" "+p.Path)
	}
	want := []string{"registry.yaml a/b.imgae", "registry.yaml c/d.image", "trust.yaml keys[0].secretRef.name"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problem places (-want +got):\n%s", diff)
	}
}

func assertParseError(t *testing.T, data map[string]string, want string) {
	t.Helper()
	reg, err := Parse(data)
	if err == nil {
		t.Fatalf("Parse accepted the ConfigMap: %+v", reg.Entries())
	}
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Errorf("error %T is not a *ParseError", err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error does not say what is wrong:\n got: %v\nwant: …%s…", err, want)
	}
}
