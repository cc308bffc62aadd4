package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The workflow examples of internal/workflow, which that package's tests also validate.
var (
	gitopsExample = filepath.Join("..", "workflow", "testdata", "gitops-pr.yaml")
	scaleExample  = filepath.Join("..", "workflow", "testdata", "scale-deployment.yaml")
)

// runCLIWithInput runs the CLI in-process with stdin.
func runCLIWithInput(t *testing.T, stdin string, args ...string) cliResult {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Execute(args, strings.NewReader(stdin), &out, &errOut)
	return cliResult{stdout: out.String(), stderr: errOut.String(), code: code}
}

// lines splits printed output into lines, without the final newline.
func lines(s string) []string { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") }

func TestValidateAcceptsTheSeedExamplesOffline(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"the single-step workflow", scaleExample, "OK: 1 step, order: scale-deployment"},
		{"the GitOps workflow", gitopsExample, "OK: 4 steps, order: git-clone, modify-deployment, git-commit, git-push-pr"},
		{"the shipped GitOps sample", filepath.Join("..", "..", "config", "samples", "workflowexecution_gitops.yaml"),
			"OK: 4 steps, order: git-clone, modify-deployment, git-commit, git-push-pr"},
		{"the shipped scale sample", filepath.Join("..", "..", "config", "samples", "workflowexecution_scale.yaml"),
			"OK: 1 step, order: scale-deployment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "validate", "-f", tt.file).mustSucceed(t)
			if diff := cmp.Diff([]string{tt.want}, lines(r.stdout)); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("standard input", func(t *testing.T) {
		doc, err := os.ReadFile(gitopsExample)
		if err != nil {
			t.Fatal(err)
		}
		r := runCLIWithInput(t, string(doc), "validate", "-f", "-").mustSucceed(t)
		if !strings.HasPrefix(r.stdout, "OK: 4 steps") {
			t.Errorf("stdout %q, want the OK line", r.stdout)
		}
	})
}

func TestValidateReportsEveryProblemWithItsPath(t *testing.T) {
	dir := t.TempDir()
	gitops, err := os.ReadFile(gitopsExample)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(name string, oldNew ...string) string {
		doc := string(gitops)
		for i := 0; i < len(oldNew); i += 2 {
			if !strings.Contains(doc, oldNew[i]) {
				t.Fatalf("the example does not contain %q", oldNew[i])
			}
			doc = strings.Replace(doc, oldNew[i], oldNew[i+1], 1)
		}
		return writeFile(t, dir, name, doc)
	}
	tests := []struct {
		name      string
		file      string
		wantOut   []string
		wantError string
	}{
		{"a cycle names its path",
			edit("cycle.yaml", "runAfter: []", "runAfter: [git-push-pr]"),
			[]string{`spec.steps[0].runAfter[0]: Invalid value: "git-push-pr": dependency cycle: git-clone -> modify-deployment -> git-commit -> git-push-pr -> git-clone`},
			"1 problem: the workflow would fail with reason InvalidDependencyGraph"},
		{"a reference to a step that is not upstream says what to add",
			edit("sibling.yaml", "branch: main", "branch: $(steps.git-commit.outputs.branch)"),
			[]string{`spec.steps[0].inputs/branch: Invalid value: "$(steps.git-commit.outputs.branch)": step "git-commit" is not upstream of "git-clone"; add it to runAfter`},
			"1 problem: the workflow would fail with reason InvalidOutputReference"},
		{"parse problems are all listed",
			edit("typos.yaml", "usesWorkspace: true", "useWorkspace: true", "retries: 2", "retries: two"),
			[]string{
				`spec.steps[0].retries: Invalid value: "two": must be a number, got a string`,
				`spec.steps[0].useWorkspace: Forbidden: unknown field; did you mean "usesWorkspace"?`,
			},
			"2 problems: it cannot be applied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "validate", "-f", tt.file)
			r.mustFail(t, exitError, regexp.QuoteMeta(tt.wantError))
			want := make([]string, len(tt.wantOut))
			for i, l := range tt.wantOut {
				want[i] = tt.file + ": " + l
			}
			if diff := cmp.Diff(want, lines(r.stdout)); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateRefusesBadInvocations(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		code    int
		pattern string
	}{
		{"no file is a usage error", []string{"validate"}, exitUsage, `-f FILE is required`},
		{"an argument instead of -f is a usage error", []string{"validate", gitopsExample}, exitUsage, `name the file with -f`},
		{"contracts without a registry is a usage error", []string{"validate", "-f", gitopsExample, "--contracts"}, exitUsage,
			`--contracts needs the action registry`},
		{"two registry sources are a usage error", []string{"validate", "-f", gitopsExample, "--registry", "r.yaml", "--kubeconfig", "k"},
			exitUsage, `give one`},
		{"a missing file is an error", []string{"validate", "-f", filepath.Join(t.TempDir(), "absent.yaml")}, exitError, `no such file`},
		{"a file holding two documents is an error", []string{"validate", "-f", writeFile(t, t.TempDir(), "two.yaml", "a: 1\n---\nb: 2\n")},
			exitError, `more than one YAML document`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runCLI(t, tt.args...).mustFail(t, tt.code, tt.pattern)
		})
	}
}

func TestValidateChecksStepsAgainstARegistryFile(t *testing.T) {
	dir := t.TempDir()
	entries := `git/clone: {image: "ghcr.io/kubernaut/actions/git-clone@sha256:1a3c5e7f9b0d2f4a6c8e0b2d4f6a8c0e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f0a"}
git/modify-file: {image: "ghcr.io/kubernaut/actions/yaml-patch@sha256:2b4d6f8a0c1e3b5d7f9a2c4e6b8d0f1a3c5e7b9d1f3a5c7e9b2d4f6a8c0e1b3d"}
git/commit: {image: "ghcr.io/kubernaut/actions/git-commit@sha256:3c5e7a9b1d2f4a6c8e0b3d5f7a9c1e2b4d6f8a0c3e5b7d9f1a2c4e6b8d0f3a5c"}
git/create-pr: {image: "ghcr.io/kubernaut/actions/git-pr@sha256:4d6f8b0c2e3a5b7d9f1c4e6a8b0d2f3c5e7a9b1d4f6a8c0e2b3d5f7a9c1e4b6d"}
`
	plain := writeFile(t, dir, "registry.yaml", entries)
	configMap := writeFile(t, dir, "configmap.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kubernaut-action-registry\n"+
		"  namespace: kubernaut-system\ndata:\n  registry.yaml: |\n"+indent(entries, "    "))
	for name, file := range map[string]string{"a registry.yaml": plain, "a ConfigMap manifest": configMap} {
		t.Run(name+" that lists every step passes", func(t *testing.T) {
			r := runCLI(t, "validate", "-f", gitopsExample, "--registry", file).mustSucceed(t)
			want := []string{
				"OK: 4 steps, order: git-clone, modify-deployment, git-commit, git-push-pr",
				"OK: every action type is in the action registry (" + file + ", 4 entries), and every pinned image is the registry's",
			}
			if diff := cmp.Diff(want, lines(r.stdout)); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("a missing action type and a foreign image are refused", func(t *testing.T) {
		partial := writeFile(t, dir, "partial.yaml", strings.Replace(strings.Replace(entries, "git/commit:", "git/kommit:", 1),
			"git-pr@sha256:4d6f", "git-pr@sha256:5d6f", 1))
		r := runCLI(t, "validate", "-f", gitopsExample, "--registry", partial)
		r.mustFail(t, exitError, `2 problems: the controller would refuse these steps`)
		want := []string{
			"OK: 4 steps, order: git-clone, modify-deployment, git-commit, git-push-pr",
			gitopsExample + `: spec.steps[2].actionType: action type "git/commit" is not in the action registry (` + partial +
				`, 4 entries); registered: git/clone, git/create-pr, git/kommit, git/modify-file`,
			gitopsExample + `: spec.steps[3].image: ghcr.io/kubernaut/actions/git-pr@sha256:4d6f8b0c2e3a5b7d9f1c4e6a8b0d2f3c5e7a9b1d4f6a8c0e2b3d5f7a9c1e4b6d ` +
				`is not the image the registry allows for git/create-pr (ghcr.io/kubernaut/actions/git-pr@sha256:5d6f8b0c2e3a5b7d9f1c4e6a8b0d2f3c5e7a9b1d4f6a8c0e2b3d5f7a9c1e4b6d)`,
		}
		if diff := cmp.Diff(want, lines(r.stdout)); diff != "" {
			t.Errorf("stdout (-want +got):\n%s", diff)
		}
	})
	t.Run("a broken registry is reported with its problems", func(t *testing.T) {
		broken := writeFile(t, dir, "broken.yaml", "git/clone: {image: ghcr.io/kubernaut/actions/git-clone:v1, verifcation: strict}\n")
		runCLI(t, "validate", "-f", gitopsExample, "--registry", broken).mustFail(t, exitError,
			`registry\.yaml: git/clone\.verifcation: unknown field; did you mean verification\?`)
	})
	t.Run("another ConfigMap is refused", func(t *testing.T) {
		other := writeFile(t, dir, "other.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kubernaut-config}\ndata: {}\n")
		runCLI(t, "validate", "-f", gitopsExample, "--registry", other).mustFail(t, exitError, `is not the action registry`)
	})
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n"+prefix) + "\n"
}
