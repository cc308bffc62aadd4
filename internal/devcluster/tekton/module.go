package tekton

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// kubernautModule is the first line of the Kubernaut source tree's go.mod.
const kubernautModule = "module github.com/kubernaut/kubernaut\n"

// ErrNoSourceTree: neither the working directory nor the executable lies in a Kubernaut source
// tree, so hack/tekton cannot be found.
var ErrNoSourceTree = errors.New("no Kubernaut source tree found")

// FindSourceRoot returns the root of the Kubernaut source tree above the working directory, or
// else above the running executable (bin/kubernaut run from elsewhere, e.g. under sudo).
func FindSourceRoot() (string, error) {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	for _, start := range starts {
		for d := start; ; d = filepath.Dir(d) {
			if data, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.HasPrefix(string(data), kubernautModule) {
				return d, nil
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return "", fmt.Errorf("%w above %s; run from the repository or pass its directory", ErrNoSourceTree, strings.Join(starts, " or "))
}

// toolsModule returns <source>/hack/tekton, finding the source root when sourceDir is empty.
func toolsModule(sourceDir string) (string, error) {
	if sourceDir == "" {
		root, err := FindSourceRoot()
		if err != nil {
			return "", err
		}
		sourceDir = root
	}
	dir := filepath.Join(sourceDir, ToolsModuleDir)
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return "", fmt.Errorf("the Tekton tools module: %w", err)
	}
	return dir, nil
}

// ModuleDir returns the directory of Tekton's module at Version in the module cache, where its
// config/ lives, by running `go mod download -json` in hack/tekton (which verifies it against
// hack/tekton's go.sum, and fetches it through the Go module proxy when it is not cached).
func ModuleDir(ctx context.Context, sourceDir string) (string, error) {
	modDir, err := toolsModule(sourceDir)
	if err != nil {
		return "", err
	}
	goBin, err := goCommand()
	if err != nil {
		return "", err
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, goBin, "mod", "download", "-json", ModulePath+"@"+Version)
	cmd.Dir, cmd.Stdout, cmd.Stderr = modDir, &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go mod download %s@%s in %s: %w\n%s%s", ModulePath, Version, modDir, err, stdout.String(), stderr.String())
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil {
		return "", fmt.Errorf("go mod download %s@%s: reading its output: %w", ModulePath, Version, err)
	}
	if info.Error != "" || info.Dir == "" {
		return "", fmt.Errorf("go mod download %s@%s: no module directory: %s", ModulePath, Version, info.Error)
	}
	return info.Dir, nil
}

// goCommand finds the go command, which builds Tekton and locates its module.
func goCommand() (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		// sudo resets PATH to its secure_path, which rarely holds Go.
		return "", fmt.Errorf("the go command is needed to build Tekton from its module (under sudo, keep PATH: sudo env PATH=\"$PATH\" ...): %w", err)
	}
	return goBin, nil
}
