package tools_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// These tests belong to `make lint-workflows`: they check that the actionlint in bin/ is the
// pinned one and is live (it catches a broken workflow), and they enforce what actionlint does
// not: third-party actions pinned by commit. A missing binary fails them; it never skips them.

const (
	rootModule      = "github.com/kubernaut/kubernaut"
	actionlintPkg   = "github.com/rhysd/actionlint"
	releaseWorkflow = ".github/workflows/release-actions.yaml"
)

func TestActionlintInBinIsThePinnedVersion(t *testing.T) {
	root := repoRoot(t)
	out, err := exec.Command(actionlint(t, root), "-version").Output()
	if err != nil {
		t.Fatalf("actionlint -version: %v", err)
	}
	got, _, _ := strings.Cut(string(out), "\n")
	pin, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", actionlintPkg).Output()
	if err != nil {
		t.Fatalf("reading the pin: %v", err)
	}
	if want := strings.TrimSpace(string(pin)); got != want {
		t.Errorf("bin/actionlint is %q, the pin in hack/tools/actionlint/go.mod is %q: run `make lint-workflows`", got, want)
	}
}

func TestTheWorkflowsPassActionlint(t *testing.T) {
	root := repoRoot(t)
	files, err := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows under .github/workflows (%v)", err)
	}
	if out, err := runActionlint(t, root, files...); err != nil {
		t.Errorf("actionlint: %v\n%s", err, out)
	}
}

func TestActionlintCatchesABrokenReleaseWorkflow(t *testing.T) {
	root := repoRoot(t)
	original, err := os.ReadFile(filepath.Join(root, releaseWorkflow))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, old, new, want string }{
		{"a misspelled permission", "id-token: write", "id-tokens: write", `unknown permission scope "id-tokens"`},
		{"an output of a step that does not exist", "steps.registry.outputs.registry", "steps.registy.outputs.registry", `property "registy" is not defined`},
		{"an untrusted value expanded into a script", `echo "registry=ghcr.io/$owner/$repository"`, `echo "${{ github.event.head_commit.message }}"`, "potentially untrusted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !bytes.Contains(original, []byte(tt.old)) {
				t.Fatalf("%s no longer contains %q; update this test", releaseWorkflow, tt.old)
			}
			broken := filepath.Join(t.TempDir(), "release-actions.yaml")
			if err := os.WriteFile(broken, bytes.Replace(original, []byte(tt.old), []byte(tt.new), 1), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := runActionlint(t, filepath.Dir(broken), broken)
			if err == nil {
				t.Fatalf("actionlint accepted the broken workflow")
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("actionlint's report does not say %q:\n%s", tt.want, out)
			}
		})
	}
}

// pinned is a `uses:` of another repository's action at a full commit, followed by the version
// that commit carries: `owner/repo[/path]@<40 hex> # vX.Y.Z`.
var pinned = regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$`)

func TestThirdPartyActionsArePinnedByCommitWithTheirVersion(t *testing.T) {
	root := repoRoot(t)
	files, _ := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.yaml"))
	for _, file := range files {
		for line, uses := range usesLines(t, file) {
			if strings.HasPrefix(uses, "./") || strings.HasPrefix(uses, "docker://") {
				continue // local actions and images are not pinned this way
			}
			if !pinned.MatchString(uses) {
				t.Errorf("%s:%d: %q is not pinned as owner/repo@<commit> # vX.Y.Z", filepath.Base(file), line, uses)
			}
		}
	}
}

// usesLines returns the value of every `uses:` in a workflow file by line number.
func usesLines(t *testing.T, file string) map[int]string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	found := map[int]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "- "))
		if rest, ok := strings.CutPrefix(line, "uses:"); ok {
			found[n] = strings.TrimSpace(rest)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return found
}

// runActionlint runs bin/actionlint on files from dir and returns its report. shellcheck is used
// when installed, as `make lint-workflows` does.
func runActionlint(t *testing.T, dir string, files ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(actionlint(t, repoRoot(t)), append([]string{"-no-color"}, files...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// actionlint returns bin/actionlint, failing the test when it has not been built.
func actionlint(t *testing.T, root string) string {
	t.Helper()
	path := filepath.Join(root, "bin", "actionlint")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("bin/actionlint is missing: run `make lint-workflows` (%v)", err)
	}
	return path
}

// repoRoot returns the nearest directory above the working directory whose go.mod declares the
// root module (this tools module's go.mod declares another path and is passed over).
func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		module, err := modulePath(filepath.Join(d, "go.mod"))
		if err == nil && module == rootModule {
			return d
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		if filepath.Dir(d) == d {
			t.Fatalf("no go.mod of module %s at or above %s", rootModule, wd)
		}
	}
}

// modulePath reads the module directive of a go.mod file.
func modulePath(goMod string) (string, error) {
	b, err := os.ReadFile(goMod)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	return "", fmt.Errorf("%s has no module directive", goMod)
}
