package cli

import (
	"encoding/json"
	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSupplyChainFromTheCommandLine walks the path an action author takes: build the image,
// make a key pair, sign, verify, read the contract back, and see every refusal on the way.
func TestSupplyChainFromTheCommandLine(t *testing.T) {
	t.Setenv(passwordEnv, "correct horse")
	reg := registrytest.Start(t).Host
	entrypoint, contractFile := exampleAction(t)
	dir := t.TempDir()
	ref := buildImage(t, reg, "actions/greet", entrypoint, contractFile)
	if again := buildImage(t, reg, "actions/greet", entrypoint, contractFile); again != ref {
		t.Fatalf("rebuilding the same inputs gave %s, want the same digest %s", again, ref)
	}
	key := keyPair(t, dir, "release")
	other := keyPair(t, dir, "other")

	runCLI(t, "verify", "--key", key+".pub", "--tlog", "disabled", ref).mustFail(t, exitError, "no signature found")
	for _, format := range []string{"bundle", "legacy"} {
		runCLI(t, "sign", "--key", key+".key", "--format", format, ref).mustSucceed(t)
	}
	out := runCLI(t, "verify", "--key", key+".pub", "--tlog", "disabled", "-o", "json", ref).mustSucceed(t).stdout
	var res struct{ Digest, Format, KeyID string }
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("verify -o json printed %q: %v", out, err)
	}
	if !strings.HasSuffix(ref, "@"+res.Digest) || res.Format != "bundle" || res.KeyID == "" {
		t.Errorf("verify result %+v does not name the digest of %s, the bundle format and a key", res, ref)
	}
	runCLI(t, "verify", "--key", other+".pub", "--tlog", "disabled", ref).mustFail(t, exitError, "not made by a trusted key")
	runCLI(t, "verify", "--key", other+".pub", "--key", key+".pub", "--tlog", "disabled", ref).mustSucceed(t)
	tagRef := reg + "/actions/greet:v1"
	runCLI(t, "verify", "--key", key+".pub", "--tlog", "disabled", tagRef).mustFail(t, exitError, "requires an image digest")

	shown := runCLI(t, "contract", "show", tagRef).mustSucceed(t)
	want, _ := os.ReadFile(contractFile)
	if shown.stdout != string(want) {
		t.Errorf("contract show printed\n%s\nwant the contract file byte for byte:\n%s", shown.stdout, want)
	}
}

func TestSignAndVerifyRefuseBadInput(t *testing.T) {
	t.Setenv(passwordEnv, "pw")
	dir := t.TempDir()
	key := keyPair(t, dir, "k")
	cases := []struct {
		name, pattern string
		args          []string
	}{
		{"signing a tag is refused", "must be a digest reference", []string{"sign", "--key", key + ".key", "127.0.0.1:1/a:v1"}},
		{"signing without a key is refused", "--key is required", []string{"sign", "127.0.0.1:1/a@sha256:" + strings.Repeat("0", 64)}},
		{"an unknown signature format is refused", "--format must be bundle or legacy", []string{"sign", "--key", key + ".key", "--format", "x", "127.0.0.1:1/a@sha256:" + strings.Repeat("0", 64)}},
		{"verifying with nobody trusted is refused", "trusts nobody", []string{"verify", "127.0.0.1:1/a@sha256:" + strings.Repeat("0", 64)}},
		{"an unknown tlog policy is refused", "--tlog", []string{"verify", "--key", key + ".pub", "--tlog", "sometimes", "127.0.0.1:1/a@sha256:" + strings.Repeat("0", 64)}},
		{"an unknown flag is a usage error", "unknown flag", []string{"verify", "--kee", "x"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			runCLI(t, tc.args...).mustFail(t, exitUsage, tc.pattern)
		})
	}
	t.Run("a wrong password is refused", func(t *testing.T) {
		t.Setenv(passwordEnv, "wrong")
		runCLI(t, "sign", "--key", key+".key", "127.0.0.1:1/a@sha256:"+strings.Repeat("0", 64)).mustFail(t, exitError, "incorrect password")
	})
	t.Run("existing key files are not overwritten", func(t *testing.T) {
		runCLI(t, "generate-key-pair", "--output-key-prefix", key).mustFail(t, exitError, "already exists")
	})
}

func TestContractLintAndDiff(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join("..", "..", "sdk", "examples", "greet", "action-contract.yaml")
	runCLI(t, "contract", "lint", good).mustSucceed(t)

	data, _ := os.ReadFile(good)
	privileged := writeFile(t, dir, "privileged.yaml", strings.Replace(string(data), "runAsNonRoot: true", "runAsNonRoot: true\n    privileged: true", 1))
	runCLI(t, "contract", "lint", privileged).mustFail(t, exitError, "security baseline violation")
	unknown := writeFile(t, dir, "unknown.yaml", strings.Replace(string(data), "description: Who to greet.", "descripton: Who to greet.", 1))
	runCLI(t, "contract", "lint", unknown).mustFail(t, exitError, `spec\.inputs\[0\]\.descripton`)

	breaking := writeFile(t, dir, "v1.1.yaml", strings.Replace(strings.Replace(string(data), "version: v1.0.0", "version: v1.1.0", 1),
		"      default: 1\n", "      required: true\n", 1))
	r := runCLI(t, "contract", "diff", good, breaking)
	r.mustFail(t, exitError, "breaking changes without a new major version")
	if !strings.Contains(r.stdout, "BREAKING") {
		t.Errorf("diff did not mark the change BREAKING:\n%s", r.stdout)
	}
	bumped := writeFile(t, dir, "v2.yaml", strings.Replace(string(data), "version: v1.0.0", "version: v2.0.0", 1))
	runCLI(t, "contract", "diff", good, bumped).mustSucceed(t)
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
