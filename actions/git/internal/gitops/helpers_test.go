package gitops

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubernaut/kubernaut/actions/git/internal/gittest"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

const (
	testUser = "remediator"
	// testToken is distinctive so that a leak is found by a plain substring search.
	testToken = "tok-5ecr3t-7f1c9a"
)

// contracts are the actions' contract files, seen from this package.
var contracts = map[string]string{
	"clone":       filepath.Join("..", "..", "clone", "action-contract.yaml"),
	"modify-file": filepath.Join("..", "..", "modify-file", "action-contract.yaml"),
	"commit":      filepath.Join("..", "..", "commit", "action-contract.yaml"),
	"push":        filepath.Join("..", "..", "push", "action-contract.yaml"),
	"create-pr":   filepath.Join("..", "..", "create-pr", "action-contract.yaml"),
}

// fixture is a git server with one repository, an empty workspace and mounted credentials.
type fixture struct {
	server    *gittest.Server
	repoURL   string
	workspace string
	credsDir  string
}

// seedFiles is the content of the seeded repository's only commit.
var seedFiles = map[string]string{
	"apps/web/deployment.yaml": "# the web tier\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 2 # scaled by HPA\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1.0\n",
	"README.md":                "# shop\n",
}

// newFixture starts a server with the repository "acme/shop" on branch main.
func newFixture(t *testing.T) fixture {
	t.Helper()
	srv := gittest.Start(t, testUser, testToken)
	f := fixture{server: srv, workspace: t.TempDir(), credsDir: t.TempDir()}
	f.repoURL = srv.NewRepo(t, "acme/shop", "main", seedFiles)
	writeCredentials(t, f.credsDir, map[string]string{"username": testUser, "token": testToken + "\n", "ca.crt": string(srv.CA)})
	return f
}

// writeCredentials writes a Secret's files into dir.
func writeCredentials(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// run runs fn with the contract of the named action through the SDK's runtime, and fails the
// test if the token appears anywhere in what the action printed.
func run(t *testing.T, name string, fn action.Func, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	opts = append([]actiontest.Option{actiontest.WithContractFile(contracts[name])}, opts...)
	r := actiontest.Run(t, fn, inputs, opts...)
	if strings.Contains(r.Stdout+r.Stderr, testToken) {
		t.Errorf("git/%s printed the token:\nstdout: %s\nstderr: %s", name, r.Stdout, r.Stderr)
	}
	return r
}

// mustSucceed fails the test unless r is a success.
func mustSucceed(t *testing.T, r actiontest.Result) {
	t.Helper()
	if r.ExitCode != action.ExitSuccess {
		t.Fatalf("exit code %d, want success; stderr:\n%s", r.ExitCode, r.Stderr)
	}
}

// mustFail fails the test unless r failed with code and a message containing want.
func mustFail(t *testing.T, r actiontest.Result, code int, want string) {
	t.Helper()
	if r.ExitCode != code {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", r.ExitCode, code, r.Stderr)
	}
	if !strings.Contains(r.Stderr, want) {
		t.Errorf("stderr does not contain %q:\n%s", want, r.Stderr)
	}
	if r.Stdout != "" {
		t.Errorf("a failed run printed an output line: %s", r.Stdout)
	}
}

func (f fixture) clone() Clone   { return Clone{Workspace: f.workspace, CredentialsDir: f.credsDir} }
func (f fixture) modify() Modify { return Modify{Workspace: f.workspace} }
func (f fixture) commit() Commit { return Commit{Workspace: f.workspace} }
func (f fixture) push() Push     { return Push{Workspace: f.workspace, CredentialsDir: f.credsDir} }

// writeFile writes content to dir/name, creating the directories on the way.
func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readDir lists the names in dir.
func readDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
