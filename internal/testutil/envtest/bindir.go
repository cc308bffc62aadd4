package envtest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// rootModule is the module path that marks the repository root.
const rootModule = "github.com/kubernaut/kubernaut"

// DefaultBinDir returns <repo>/bin/k8s, where `make test-tools` puts the binaries. The repository
// is found by walking up from the working directory, which `go test` sets to the package's
// directory, to the go.mod of the root module.
func DefaultBinDir() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "bin", "k8s"), nil
}

// RepoRoot returns the repository's root directory: the nearest directory at or above the
// working directory whose go.mod declares the root module.
func RepoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repository root: %w", err)
	}
	return findModuleRoot(wd, rootModule)
}

// findModuleRoot returns the nearest directory at or above dir whose go.mod declares module.
// Nested modules (sdk/, hack/tools/*) are passed over because their module path differs.
func findModuleRoot(dir, module string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		got, err := modulePath(filepath.Join(d, "go.mod"))
		if err == nil && got == module {
			return d, nil
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("find repository root: %w", err)
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("find repository root: no go.mod of module %s at or above %s", module, dir)
		}
	}
}

// modulePath reads the module directive of a go.mod file.
func modulePath(goMod string) (string, error) {
	f, err := os.Open(goMod)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	return "", sc.Err()
}
