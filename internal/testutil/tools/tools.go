// Package tools finds the external programs that tests run, such as the real cosign CLI used by the
// interop tests. The programs are built from pinned Go modules into the repository's bin/ by
// `make test-tools`; they are test tools only and never runtime dependencies of Kubernaut.
//
// A missing tool fails the test with the command that builds it. Tests never skip for a missing
// tool, because a skipped interop test looks exactly like a passing one in CI.
package tools

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	// ModulePath is the module path whose go.mod marks the repository root. The nested sdk/
	// module and the tool modules under hack/tools have other paths, so they are walked past.
	ModulePath = "github.com/kubernaut/kubernaut"
	// CosignEnv names the environment variable that overrides the path of the cosign binary,
	// for runs outside the work tree (for example a CI image with cosign preinstalled).
	CosignEnv = "KUBERNAUT_COSIGN"
	// buildHint is the command that puts every test tool into bin/.
	buildHint = "run `make test-tools`"
)

// ErrRepoRootNotFound means no parent directory holds the go.mod of ModulePath.
var ErrRepoRootNotFound = errors.New("repository root not found")

// RepoRoot returns the directory of the go.mod declaring ModulePath, found by walking up from the
// test's working directory (the package directory under `go test`). It fails the test otherwise.
func RepoRoot(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("tools: reading the working directory: %v", err)
	}
	root, err := findRepoRoot(wd)
	if err != nil {
		t.Fatalf("tools: %v", err)
	}
	return root
}

// Cosign returns the path of the cosign CLI: $KUBERNAUT_COSIGN when set, else bin/cosign under
// RepoRoot. A missing or non-executable binary fails the test, telling how to build it.
func Cosign(t testing.TB) string {
	t.Helper()
	if path := os.Getenv(CosignEnv); path != "" {
		if err := checkExecutable(path); err != nil {
			t.Fatalf("tools: cosign from $%s: %v; fix $%s, or unset it and %s", CosignEnv, err, CosignEnv, buildHint)
		}
		return path
	}
	path := filepath.Join(RepoRoot(t), "bin", "cosign")
	if err := checkExecutable(path); err != nil {
		t.Fatalf("tools: the cosign CLI is needed by this test and is missing: %v; %s (or set $%s)",
			err, buildHint, CosignEnv)
	}
	return path
}

// findRepoRoot walks up from dir to the first go.mod whose module line is ModulePath.
func findRepoRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("resolving %s: %w", dir, err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		switch {
		case err == nil && modulePath(data) == ModulePath:
			return dir, nil
		case err != nil && !errors.Is(err, os.ErrNotExist):
			return "", fmt.Errorf("reading %s: %w", filepath.Join(dir, "go.mod"), err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%w: no go.mod declaring module %s above the working directory",
				ErrRepoRootNotFound, ModulePath)
		}
		dir = parent
	}
}

// modulePath returns the path on the module line of a go.mod, or "" when there is none. A full
// go.mod parser (golang.org/x/mod) would be a dependency for one line of text.
func modulePath(goMod []byte) string {
	lines := bufio.NewScanner(bytes.NewReader(goMod))
	for lines.Scan() {
		line := strings.TrimSpace(lines.Text())
		if rest, ok := strings.CutPrefix(line, "module"); ok && rest != strings.TrimLeft(rest, " \t") {
			rest, _, _ = strings.Cut(rest, "//")
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// checkExecutable reports why path cannot be run as a program, or nil.
func checkExecutable(path string) error {
	info, err := os.Stat(path)
	switch {
	case err != nil:
		return err
	case info.IsDir():
		return fmt.Errorf("%s is a directory, not a program", path)
	case info.Mode().Perm()&0o111 == 0:
		return fmt.Errorf("%s is not executable (mode %s)", path, info.Mode().Perm())
	}
	return nil
}
