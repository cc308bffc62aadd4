package actionregistry

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kubernaut/kubernaut/internal/verify"
)

// BenchmarkParse parses a registry of 100 actions, as the controller does when the ConfigMap
// changes (or on every reconcile, if it does not cache the parsed registry).
func BenchmarkParse(b *testing.B) {
	var sb strings.Builder
	for i := range 100 {
		fmt.Fprintf(&sb, "group/action_%03d: {image: %q, verification: strict}\n", i, scaleRef)
	}
	data := map[string]string{RegistryKey: sb.String(), TrustKey: trustKeys}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompilePolicy compiles the policy of a run from in-memory trust material: two keys,
// and one keyless identity with a trusted root, the costliest part being the root's parse.
func BenchmarkCompilePolicy(b *testing.B) {
	t := &testing.T{}
	get := mapGetter{
		secrets:    map[string][]byte{"a/cosign.pub": publicKeyPEM(t), "b/cosign.pub": publicKeyPEM(t)},
		configMaps: map[string][]byte{"root/trusted_root.json": trustedRootJSON(t)},
	}
	trust := keyTrust("a", "b")
	trust.TLog = verify.TLogRequired
	trust.Keyless = []KeylessIdentity{{Issuer: "https://issuer.example.com", Subject: "ci@example.com"}}
	trust.TrustedRoot = &TrustedRootRef{ConfigMapRef: ObjectKeyRef{Name: "root", Key: DefaultTrustedRootKey}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CompilePolicy(context.Background(), trust, get, ModeStrict); err != nil {
			b.Fatal(err)
		}
	}
}
