package gitops

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kubernaut/kubernaut/actions/git/internal/gittest"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// scaledDeployment is seedFiles' deployment after {"spec.replicas": 10}: same key order, same
// comments.
const scaledDeployment = "# the web tier\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 10 # scaled by HPA\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1.0\n"

// fixedNow is the commit time in these tests.
var fixedNow = time.Date(2026, 11, 26, 3, 4, 5, 0, time.FixedZone("CET", 3600))

func TestCloneModifyCommitPushPutsARemediationBranchOnTheServer(t *testing.T) {
	f := newFixture(t)
	seedCommit := f.server.GitIn(t, "acme/shop", "rev-parse", "main")

	cloned := run(t, "clone", f.clone().Run, map[string]any{"repository": f.repoURL})
	mustSucceed(t, cloned)
	wantClone := actiontest.Normalize(t, map[string]any{"path": "repo", "branch": "main", "commit": seedCommit})
	if diff := cmp.Diff(wantClone, cloned.Outputs); diff != "" {
		t.Errorf("git/clone outputs (-want +got):\n%s", diff)
	}

	modified := run(t, "modify-file", f.modify().Run, map[string]any{
		"path": "apps/web/deployment.yaml", "set": map[string]any{"spec.replicas": 10},
	})
	mustSucceed(t, modified)
	wantModify := actiontest.Normalize(t, map[string]any{
		"path": "apps/web/deployment.yaml", "changed": true,
		"before": digest([]byte(seedFiles["apps/web/deployment.yaml"])), "after": digest([]byte(scaledDeployment)),
	})
	if diff := cmp.Diff(wantModify, modified.Outputs); diff != "" {
		t.Errorf("git/modify-file outputs (-want +got):\n%s", diff)
	}

	committed := run(t, "commit", Commit{Workspace: f.workspace, Now: func() time.Time { return fixedNow }}.Run,
		map[string]any{"message": "Scale web to 10 replicas"})
	mustSucceed(t, committed)
	branch := "kubernaut/remediation-20261126T020405Z"
	newCommit, _ := committed.Outputs["commit"].(string)
	wantCommit := actiontest.Normalize(t, map[string]any{
		"commit": newCommit, "branch": branch, "filesChanged": 1, "files": []string{"apps/web/deployment.yaml"},
	})
	if diff := cmp.Diff(wantCommit, committed.Outputs); diff != "" {
		t.Errorf("git/commit outputs (-want +got):\n%s", diff)
	}

	requestsBefore := f.server.Requests()
	pushed := run(t, "push", f.push().Run, map[string]any{})
	mustSucceed(t, pushed)
	wantPush := actiontest.Normalize(t, map[string]any{"remote": f.repoURL, "branch": branch, "commit": newCommit})
	if diff := cmp.Diff(wantPush, pushed.Outputs); diff != "" {
		t.Errorf("git/push outputs (-want +got):\n%s", diff)
	}
	if f.server.Requests() == requestsBefore {
		t.Error("git/push reported success without talking to the server")
	}

	// The server, read with the real git, has the branch, the file and the author.
	checks := []struct{ what, got, want string }{
		{"the branch's commit", f.server.GitIn(t, "acme/shop", "rev-parse", branch), newCommit},
		{"its parent", f.server.GitIn(t, "acme/shop", "rev-parse", branch+"^"), seedCommit},
		{"the file", f.server.GitIn(t, "acme/shop", "show", branch+":apps/web/deployment.yaml") + "\n", scaledDeployment},
		{"the author, committer and message", f.server.GitIn(t, "acme/shop", "log", "-1", "--format=%an <%ae>|%cn <%ce>|%aI|%s", branch),
			"kubernaut <kubernaut@localhost>|kubernaut <kubernaut@localhost>|2026-11-26T02:04:05+00:00|Scale web to 10 replicas"},
		{"the files the commit changes", f.server.GitIn(t, "acme/shop", "diff", "--name-only", "main", branch), "apps/web/deployment.yaml"},
		{"main", f.server.GitIn(t, "acme/shop", "rev-parse", "main"), seedCommit},
		{"the repository's integrity", f.server.GitIn(t, "acme/shop", "fsck", "--no-progress") + "ok", "ok"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s on the server = %q, want %q", c.what, c.got, c.want)
		}
	}
}

func TestPushingAProtectedBranchIsRefusedWithoutANetworkCall(t *testing.T) {
	f := newFixture(t)
	mustSucceed(t, run(t, "clone", f.clone().Run, map[string]any{"repository": f.repoURL}))
	writeFile(t, f.workspace, "repo/README.md", "# shop, changed\n")
	mustSucceed(t, run(t, "commit", f.commit().Run, map[string]any{"message": "m", "branch": "release/1.2"}))
	seedCommit := f.server.GitIn(t, "acme/shop", "rev-parse", "main")

	tests := []struct {
		name   string
		inputs map[string]any
		want   string
	}{
		{"main, protected by default", map[string]any{"branch": "main"}, `"main" matches "main" in protectedBranches`},
		{"master, protected by default", map[string]any{"branch": "master"}, `"master" matches "master"`},
		{"a branch matching a pattern", map[string]any{"protectedBranches": []any{"main", "release/*"}}, `"release/1.2" matches "release/*"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.server.Requests()

			r := run(t, "push", f.push().Run, tt.inputs)

			mustFail(t, r, action.ExitActionFailed, "pushing to a protected branch is refused: "+tt.want)
			if n := f.server.Requests() - before; n != 0 {
				t.Errorf("the refused push sent %d requests to the server", n)
			}
		})
	}
	if got := f.server.GitIn(t, "acme/shop", "rev-parse", "main"); got != seedCommit {
		t.Errorf("main on the server moved to %s", got)
	}
	if _, err := gittest.GitCommand(t, f.server.Root+"/acme/shop.git", "rev-parse", "--verify", "refs/heads/release/1.2"); err == nil {
		t.Error("release/1.2 reached the server")
	}
}

func TestWrongCredentialsFailClearlyWithoutShowingTheSecret(t *testing.T) {
	f := newFixture(t)
	mustSucceed(t, run(t, "clone", f.clone().Run, map[string]any{"repository": f.repoURL}))
	writeFile(t, f.workspace, "repo/README.md", "# changed\n")
	mustSucceed(t, run(t, "commit", f.commit().Run, map[string]any{"message": "m"}))
	// The wrong token contains the right one, so the leak check in run also finds it.
	writeCredentials(t, f.credsDir, map[string]string{"token": testToken + "-revoked"})

	pushed := run(t, "push", f.push().Run, map[string]any{})
	mustFail(t, pushed, action.ExitActionFailed, "the git server refused the credentials")
	mustFail(t, pushed, action.ExitActionFailed, "check the username and password or token in the Secret mounted at /var/run/secrets/kubernaut/git")

	ws := t.TempDir()
	cloned := run(t, "clone", Clone{Workspace: ws, CredentialsDir: f.credsDir}.Run, map[string]any{"repository": f.repoURL})
	mustFail(t, cloned, action.ExitActionFailed, "cloning "+f.repoURL+": the git server refused the credentials")
	if entries := readDir(t, ws); len(entries) != 0 {
		t.Errorf("a failed clone left %v in the workspace", entries)
	}
}

func TestEveryActionTakesItsInputsInEveryModeAndPrintsOneOutputLine(t *testing.T) {
	f := newFixture(t)
	modes := []actiontest.InputMode{actiontest.ViaEnv, actiontest.ViaFile, actiontest.ViaStdin}
	for i, mode := range modes {
		repo := "repo" + string(rune('a'+i))
		branch := "kubernaut/remediation-mode-" + string(rune('a'+i))
		steps := []struct {
			name   string
			fn     action.Func
			inputs map[string]any
		}{
			{"clone", f.clone().Run, map[string]any{"repository": f.repoURL, "path": repo}},
			{"modify-file", f.modify().Run, map[string]any{"repoPath": repo, "path": "apps/web/deployment.yaml", "jsonPatch": []any{}}},
			{"commit", f.commit().Run, nil},
			{"push", f.push().Run, map[string]any{"repoPath": repo}},
		}
		for _, s := range steps {
			if s.name == "commit" {
				writeFile(t, f.workspace, repo+"/NOTES.md", "mode "+repo+"\n")
				s.inputs = map[string]any{"repoPath": repo, "message": "m", "branch": branch}
			}
			r := run(t, s.name, s.fn, s.inputs, actiontest.WithInputMode(mode))
			mustSucceed(t, r)
			if lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n"); len(lines) != 1 || !json.Valid([]byte(lines[0])) {
				t.Errorf("git/%s in input mode %d: stdout is not one JSON line: %q", s.name, mode, r.Stdout)
			}
		}
		if got := f.server.GitIn(t, "acme/shop", "show", branch+":NOTES.md"); got != "mode "+repo {
			t.Errorf("input mode %d: NOTES.md on the server = %q", mode, got)
		}
	}
}
