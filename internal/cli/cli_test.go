package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// cliResult is what one CLI invocation printed and returned.
type cliResult struct {
	stdout, stderr string
	code           int
}

// runCLI runs the CLI in-process exactly as main does, with args as on the command line.
func runCLI(t *testing.T, args ...string) cliResult {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Execute(args, strings.NewReader(""), &out, &errOut)
	return cliResult{stdout: out.String(), stderr: errOut.String(), code: code}
}

func (r cliResult) mustSucceed(t *testing.T) cliResult {
	t.Helper()
	if r.code != exitOK {
		t.Fatalf("exit code %d, stderr:\n%s", r.code, r.stderr)
	}
	return r
}

func (r cliResult) mustFail(t *testing.T, code int, stderrPattern string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d; stdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	if !regexp.MustCompile(stderrPattern).MatchString(r.stderr) {
		t.Fatalf("stderr does not match %q:\n%s", stderrPattern, r.stderr)
	}
}

// exampleAction compiles the SDK's greet example and returns its binary and contract paths.
func exampleAction(t *testing.T) (entrypoint, contractFile string) {
	t.Helper()
	dir := filepath.Join("..", "..", "sdk", "examples", "greet")
	entrypoint = filepath.Join(t.TempDir(), "greet")
	cmd := exec.Command("go", "build", "-o", entrypoint, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the example action: %v\n%s", err, out)
	}
	return entrypoint, filepath.Join(dir, "action-contract.yaml")
}

// buildImage runs `kubernaut action build` and returns the printed digest reference.
func buildImage(t *testing.T, reg, repo, entrypoint, contractFile string) string {
	t.Helper()
	r := runCLI(t, "action", "build", "--entrypoint", entrypoint, "--contract", contractFile,
		"--tag", reg+"/"+repo+":v1").mustSucceed(t)
	ref := strings.TrimSpace(r.stdout)
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(reg+"/"+repo) + `@sha256:[0-9a-f]{64}$`).MatchString(ref) {
		t.Fatalf("action build printed %q, want %s/%s@sha256:…", ref, reg, repo)
	}
	return ref
}

// keyPair runs `kubernaut generate-key-pair` into dir and returns the prefix of the files.
func keyPair(t *testing.T, dir, name string) string {
	t.Helper()
	prefix := filepath.Join(dir, name)
	runCLI(t, "generate-key-pair", "--output-key-prefix", prefix).mustSucceed(t)
	return prefix
}
