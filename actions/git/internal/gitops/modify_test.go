package gitops

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kubernaut/kubernaut/actions/git/internal/gittest"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// localClone makes workspace/repo a git repository with seedFiles committed on main, the way
// git/clone leaves it, without a server.
func localClone(t *testing.T) string {
	t.Helper()
	ws := t.TempDir()
	dir := filepath.Join(ws, "repo")
	gittest.Git(t, ws, "init", "--quiet", "--initial-branch=main", dir)
	for p, content := range seedFiles {
		writeFile(t, dir, p, content)
	}
	gittest.Git(t, dir, "add", "--all")
	gittest.Git(t, dir, "commit", "--quiet", "-m", "seed")
	return ws
}

func TestModifyFileReportsNoChangeWhenTheValueIsAlreadyThere(t *testing.T) {
	ws := localClone(t)

	r := run(t, "modify-file", Modify{Workspace: ws}.Run, map[string]any{
		"path": "apps/web/deployment.yaml", "mergePatch": map[string]any{"spec": map[string]any{"replicas": 2}},
	})

	mustSucceed(t, r)
	sum := digest([]byte(seedFiles["apps/web/deployment.yaml"]))
	want := actiontest.Normalize(t, map[string]any{"path": "apps/web/deployment.yaml", "changed": false, "before": sum, "after": sum})
	if diff := cmp.Diff(want, r.Outputs); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
}

func TestModifyFileRefusesPathsOutsideTheCloneAndBadModes(t *testing.T) {
	ws := localClone(t)
	outside := t.TempDir()
	writeFile(t, outside, "secret.yaml", "token: hunter2\n")
	if err := os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(ws, "repo", "link.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(ws, "repo", "linkdir")); err != nil {
		t.Fatal(err)
	}
	set := map[string]any{"a": 1}
	tests := []struct {
		name   string
		inputs map[string]any
		want   string
	}{
		{"a path with ..", map[string]any{"path": "../secret.yaml", "set": set}, `holds ".."`},
		{"an absolute path", map[string]any{"path": "/etc/passwd", "set": set}, "is absolute"},
		{"a symbolic link to a file outside", map[string]any{"path": "link.yaml", "set": set}, "repo/link.yaml is a symbolic link; only regular files are modified"},
		{"a file under a linked directory", map[string]any{"path": "linkdir/secret.yaml", "set": set}, "repo/linkdir is a symbolic link"},
		{"a file under .git", map[string]any{"path": ".git/config", "set": set}, "files under .git cannot be modified"},
		{"a missing file", map[string]any{"path": "apps/api/deployment.yaml", "set": set}, "no such file in the clone"},
		{"a directory", map[string]any{"path": "apps/web", "set": set}, "not a regular file"},
		{"no modification", map[string]any{"path": "README.md"}, "give exactly one of the inputs set, mergePatch, jsonPatch; got 0"},
		{"two modifications", map[string]any{"path": "README.md", "set": set, "jsonPatch": []any{}}, "got 2 (set, jsonPatch)"},
		{"an empty set", map[string]any{"path": "apps/web/deployment.yaml", "set": map[string]any{}}, `input "set" is empty`},
		{"a repoPath that is no clone", map[string]any{"path": "a.yaml", "repoPath": "apps", "set": set}, "not a git clone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, "modify-file", Modify{Workspace: ws}.Run, tt.inputs)

			mustFail(t, r, action.ExitActionFailed, tt.want)
		})
	}
	if data, _ := os.ReadFile(filepath.Join(outside, "secret.yaml")); string(data) != "token: hunter2\n" {
		t.Errorf("the file outside the workspace changed: %q", data)
	}
}

func TestCommitRefusesAnUnchangedCloneAndAnExistingBranch(t *testing.T) {
	ws := localClone(t)

	r := run(t, "commit", Commit{Workspace: ws}.Run, map[string]any{"message": "m"})
	mustFail(t, r, action.ExitActionFailed, "nothing to commit: the clone has no changes in repo")

	writeFile(t, ws, "repo/README.md", "changed\n")
	r = run(t, "commit", Commit{Workspace: ws}.Run, map[string]any{"message": "m", "branch": "main"})
	mustFail(t, r, action.ExitActionFailed, `input "branch" "main": the branch already exists`)

	r = run(t, "commit", Commit{Workspace: ws}.Run, map[string]any{"message": "m", "branch": "bad..name"})
	mustFail(t, r, action.ExitActionFailed, `input "branch" "bad..name": not a valid branch name`)
}

func TestCommitIncludesNewAndDeletedFilesWithTheGivenAuthor(t *testing.T) {
	ws := localClone(t)
	writeFile(t, ws, "repo/apps/web/hpa.yaml", "kind: HorizontalPodAutoscaler\n")
	if err := os.Remove(filepath.Join(ws, "repo", "README.md")); err != nil {
		t.Fatal(err)
	}

	r := run(t, "commit", Commit{Workspace: ws}.Run, map[string]any{
		"message": "Add an HPA", "branch": "fix/hpa", "authorName": "SRE Bot", "authorEmail": "sre@example.com",
	})

	mustSucceed(t, r)
	want := actiontest.Normalize(t, map[string]any{
		"commit": r.Outputs["commit"], "branch": "fix/hpa", "filesChanged": 2, "files": []string{"README.md", "apps/web/hpa.yaml"},
	})
	if diff := cmp.Diff(want, r.Outputs); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	dir := filepath.Join(ws, "repo")
	if got := gittest.Git(t, dir, "log", "-1", "--format=%an <%ae>", "fix/hpa"); got != "SRE Bot <sre@example.com>" {
		t.Errorf("author = %q", got)
	}
	if got := gittest.Git(t, dir, "status", "--porcelain"); got != "" {
		t.Errorf("the work tree is not clean after the commit:\n%s", got)
	}
	if got := gittest.Git(t, dir, "diff", "--name-status", "main", "fix/hpa"); got != "D\tREADME.md\nA\tapps/web/hpa.yaml" {
		t.Errorf("the commit's changes = %q", got)
	}
}
