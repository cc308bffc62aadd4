package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
)

func TestActionPublish_signsEveryActionAndWritesARegistryThatVerifies(t *testing.T) {
	t.Setenv(passwordEnv, "")
	reg := registrytest.Start(t)
	dir := t.TempDir()
	out, keyPrefix := filepath.Join(dir, "out"), filepath.Join(dir, "key", "cosign")
	args := []string{"action", "publish", "--registry", reg.Host + "/actions", "--source", filepath.Join("..", "catalog", "testdata"),
		"--output-dir", out, "--generated-key-prefix", keyPrefix}

	r := runCLI(t, args...).mustSucceed(t)
	if !regexp.MustCompile(`Published and signed 1 actions`).MatchString(r.stdout) {
		t.Errorf("stdout lacks the summary:\n%s", r.stdout)
	}
	image := regexp.MustCompile(regexp.QuoteMeta(reg.Host) + `/actions/demo/hello@sha256:[0-9a-f]{64}`).FindString(r.stderr)
	if image == "" {
		t.Fatalf("stderr names no published image:\n%s", r.stderr)
	}
	for _, f := range []string{"action_registry.yaml", "cosign_pub_secret.yaml", "cosign.pub", "kustomization.yaml"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	registry := readFile(t, filepath.Join(out, "action_registry.yaml"))
	if !regexp.MustCompile(`demo/hello:\s+image: ` + regexp.QuoteMeta(image)).MatchString(registry) {
		t.Errorf("the registry does not list %s:\n%s", image, registry)
	}
	runCLI(t, "verify", "--key", filepath.Join(out, "cosign.pub"), "--tlog", "disabled", image).mustSucceed(t)

	firstKey := readFile(t, keyPrefix+".pub")
	runCLI(t, args...).mustSucceed(t)
	if readFile(t, keyPrefix+".pub") != firstKey || readFile(t, filepath.Join(out, "cosign.pub")) != firstKey {
		t.Error("a second run did not reuse the generated key pair")
	}
}

func TestActionPublish_refusesBadFlags(t *testing.T) {
	runCLI(t, "action", "publish").mustFail(t, exitUsage, `--registry is required`)
	runCLI(t, "action", "publish", "--registry", "127.0.0.1:1/x", "--format", "pgp").mustFail(t, exitUsage, `--format must be bundle or legacy`)
	runCLI(t, "action", "publish", "--registry", "127.0.0.1:1/x", "--source", t.TempDir()).mustFail(t, exitError, `no actions directory`)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
