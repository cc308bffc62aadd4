package gitops

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestCloneTakesTheRemoteDefaultBranchOrTheNamedOne(t *testing.T) {
	f := newFixture(t)
	developURL := f.server.NewRepo(t, "ops", "develop", map[string]string{"a.yaml": "a: 1\n"})
	developCommit := f.server.GitIn(t, "ops", "rev-parse", "develop")
	// A second branch, so that "the default" is a choice.
	f.server.GitIn(t, "ops", "branch", "release", "develop")

	tests := []struct {
		name, branch, path string
		depth              int
		want               map[string]any
	}{
		{"the remote's HEAD", "", "ops", 1, map[string]any{"path": "ops", "branch": "develop", "commit": developCommit}},
		{"a named branch, full history", "release", "nested/ops", 0, map[string]any{"path": "nested/ops", "branch": "release", "commit": developCommit}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, "clone", f.clone().Run, map[string]any{"repository": developURL, "branch": tt.branch, "path": tt.path, "depth": tt.depth})

			mustSucceed(t, r)
			if diff := cmp.Diff(actiontest.Normalize(t, tt.want), r.Outputs); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
			if data, err := os.ReadFile(filepath.Join(f.workspace, tt.path, "a.yaml")); string(data) != "a: 1\n" {
				t.Errorf("a.yaml in the clone = %q, %v", data, err)
			}
		})
	}
}

func TestCloneFailsClearly(t *testing.T) {
	f := newFixture(t)
	writeFile(t, f.workspace, "taken/file", "x")
	// Only the CA: the clone is anonymous.
	noCreds := t.TempDir()
	writeCredentials(t, noCreds, map[string]string{"ca.crt": string(f.server.CA)})
	tests := []struct {
		name     string
		credsDir string
		inputs   map[string]any
		code     int
		want     string
	}{
		{"a branch the server lacks", f.credsDir, map[string]any{"repository": f.repoURL, "branch": "nope"}, action.ExitActionFailed, "nope"},
		{"a repository the server lacks", f.credsDir, map[string]any{"repository": f.server.URL + "/acme/absent.git"}, action.ExitActionFailed, "cloning " + f.server.URL + "/acme/absent.git"},
		{"no Secret for a private repository", noCreds, map[string]any{"repository": f.repoURL}, action.ExitActionFailed, "the git server refused the credentials"},
		{"a destination that is not empty", f.credsDir, map[string]any{"repository": f.repoURL, "path": "taken"}, action.ExitActionFailed, `input "path" "taken": the directory is not empty`},
		{"a destination outside the workspace", f.credsDir, map[string]any{"repository": f.repoURL, "path": "../x"}, action.ExitActionFailed, `holds ".."`},
		{"plain http", f.credsDir, map[string]any{"repository": "http://127.0.0.1:1/shop.git"}, action.ExitInputError, "/repository"},
		{"credentials in the URL", f.credsDir, map[string]any{"repository": "https://me:" + testToken + "@127.0.0.1:1/shop.git"}, action.ExitActionFailed, "holds a user name or password (https://…@127.0.0.1:1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, "clone", Clone{Workspace: f.workspace, CredentialsDir: tt.credsDir}.Run, tt.inputs)

			mustFail(t, r, tt.code, tt.want)
		})
	}
}

func TestWithoutAContractCloneChecksTheURLItself(t *testing.T) {
	tests := []struct{ name, url, want string }{
		{"plain http", "http://127.0.0.1/shop.git", `the scheme must be https, got "http"`},
		{"a token as user name", "https://" + testToken + "@git.example.com/shop.git", "holds a user name or password (https://…@git.example.com)"},
		{"a query", "https://git.example.com/shop.git?x=1", "a query or fragment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := actiontest.Run(t, Clone{Workspace: t.TempDir()}.Run, map[string]any{"repository": tt.url})

			mustFail(t, r, action.ExitActionFailed, tt.want)
			if strings.Contains(r.Stderr, testToken) {
				t.Errorf("the token in the URL was printed:\n%s", r.Stderr)
			}
		})
	}
}
