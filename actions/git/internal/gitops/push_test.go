package gitops

import (
	"testing"

	"github.com/kubernaut/kubernaut/sdk/action"
)

func TestPushingAgainIsANoOpAndOverwritingIsRefused(t *testing.T) {
	f := newFixture(t)
	mustSucceed(t, run(t, "clone", f.clone().Run, map[string]any{"repository": f.repoURL}))
	writeFile(t, f.workspace, "repo/README.md", "first\n")
	mustSucceed(t, run(t, "commit", f.commit().Run, map[string]any{"message": "first", "branch": "kubernaut/remediation-x"}))
	mustSucceed(t, run(t, "push", f.push().Run, map[string]any{}))
	first := f.server.GitIn(t, "acme/shop", "rev-parse", "kubernaut/remediation-x")

	again := run(t, "push", f.push().Run, map[string]any{})
	mustSucceed(t, again)
	if again.Outputs["commit"] != first {
		t.Errorf("the second push reports commit %v, want %s", again.Outputs["commit"], first)
	}

	// Another clone commits something else on the same branch name: pushing it would discard
	// the first remediation, and git/push never forces.
	other := Clone{Workspace: t.TempDir(), CredentialsDir: f.credsDir}
	mustSucceed(t, run(t, "clone", other.Run, map[string]any{"repository": f.repoURL}))
	writeFile(t, other.Workspace, "repo/README.md", "second\n")
	mustSucceed(t, run(t, "commit", Commit{Workspace: other.Workspace}.Run, map[string]any{"message": "second", "branch": "kubernaut/remediation-x"}))
	r := run(t, "push", Push{Workspace: other.Workspace, CredentialsDir: f.credsDir}.Run, map[string]any{})

	mustFail(t, r, action.ExitActionFailed, "non-fast-forward")
	if got := f.server.GitIn(t, "acme/shop", "rev-parse", "kubernaut/remediation-x"); got != first {
		t.Errorf("the branch on the server moved from %s to %s", first, got)
	}
}
