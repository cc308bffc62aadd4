package gitops

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kubernaut/kubernaut/actions/git/internal/gittest"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// pushedRemediation clones, changes, commits and pushes the branch kubernaut/remediation-pr.
func pushedRemediation(t *testing.T, f fixture) {
	t.Helper()
	mustSucceed(t, run(t, "clone", f.clone().Run, map[string]any{"repository": f.repoURL}))
	mustSucceed(t, run(t, "modify-file", f.modify().Run, map[string]any{"path": "apps/web/deployment.yaml", "set": map[string]any{"spec.replicas": 10}}))
	mustSucceed(t, run(t, "commit", f.commit().Run, map[string]any{"message": "Scale web", "branch": "kubernaut/remediation-pr"}))
	mustSucceed(t, run(t, "push", f.push().Run, map[string]any{}))
}

func (f fixture) createPR() CreatePR {
	return CreatePR{Workspace: f.workspace, CredentialsDir: f.credsDir}
}

func TestCreatePROpensAPullRequestOnGitHubAndAMergeRequestOnGitLab(t *testing.T) {
	f := newFixture(t)
	pushedRemediation(t, f)
	api := gittest.StartPRAPI(t, f.server, testToken)
	tests := []struct {
		name   string
		inputs map[string]any
		want   map[string]any
		wantPR gittest.PullRequest
	}{
		{
			name:   "GitHub",
			inputs: map[string]any{"provider": "github", "apiURL": api.URL, "base": "main", "title": "Scale web to 10", "body": "OOMKilled", "draft": true},
			want:   map[string]any{"provider": "github", "number": 1, "url": "https://github.example/acme/shop/pull/1", "head": "kubernaut/remediation-pr", "base": "main"},
			wantPR: gittest.PullRequest{Provider: "github", Project: "acme/shop", Head: "kubernaut/remediation-pr", Base: "main", Title: "Scale web to 10", Body: "OOMKilled", Draft: true},
		},
		{
			name:   "GitLab",
			inputs: map[string]any{"provider": "gitlab", "apiURL": api.URL + "/api/v4", "base": "main", "title": "Scale web to 10", "draft": true},
			want:   map[string]any{"provider": "gitlab", "number": 2, "url": "https://gitlab.example/acme/shop/-/merge_requests/2", "head": "kubernaut/remediation-pr", "base": "main"},
			wantPR: gittest.PullRequest{Provider: "gitlab", Project: "acme/shop", Head: "kubernaut/remediation-pr", Base: "main", Title: "Scale web to 10", Draft: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, "create-pr", f.createPR().Run, tt.inputs)

			mustSucceed(t, r)
			if diff := cmp.Diff(actiontest.Normalize(t, tt.want), r.Outputs); diff != "" {
				t.Errorf("outputs (-want +got):\n%s", diff)
			}
			created := api.Created()
			if diff := cmp.Diff(tt.wantPR, created[len(created)-1]); diff != "" {
				t.Errorf("the request the API received (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCreatePRFailsClearly(t *testing.T) {
	f := newFixture(t)
	pushedRemediation(t, f)
	api := gittest.StartPRAPI(t, f.server, testToken)
	tests := []struct {
		name   string
		creds  map[string]string
		inputs map[string]any
		want   string
	}{
		{"a revoked token", map[string]string{"token": testToken + "-revoked"}, map[string]any{"provider": "github", "apiURL": api.URL, "base": "main", "title": "t"},
			"the provider refused the pull request: POST " + api.URL + "/repos/acme/shop/pulls: 401 Unauthorized"},
		{"a base the server lacks", nil, map[string]any{"provider": "gitlab", "apiURL": api.URL + "/api/v4", "base": "prod", "title": "t"},
			`the branch \"prod\" does not exist in acme/shop`},
		{"a head that was never pushed", nil, map[string]any{"provider": "github", "apiURL": api.URL, "base": "main", "head": "local-only", "title": "t"},
			`the branch \"local-only\" does not exist in acme/shop`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := f.createPR()
			if tt.creds != nil {
				c.CredentialsDir = t.TempDir()
				writeCredentials(t, c.CredentialsDir, tt.creds)
				writeCredentials(t, c.CredentialsDir, map[string]string{"ca.crt": string(f.server.CA)})
			}
			r := run(t, "create-pr", c.Run, tt.inputs)

			mustFail(t, r, action.ExitActionFailed, tt.want)
		})
	}
	if n := len(api.Created()); n != 0 {
		t.Errorf("the API accepted %d pull requests", n)
	}
}

func TestCreatePRTakesItsInputsInEveryMode(t *testing.T) {
	f := newFixture(t)
	pushedRemediation(t, f)
	api := gittest.StartPRAPI(t, f.server, testToken)
	for _, mode := range []actiontest.InputMode{actiontest.ViaEnv, actiontest.ViaFile, actiontest.ViaStdin} {
		r := run(t, "create-pr", f.createPR().Run, map[string]any{"provider": "github", "apiURL": api.URL, "base": "main", "title": "t"},
			actiontest.WithInputMode(mode))
		mustSucceed(t, r)
	}
	if n := len(api.Created()); n != 3 {
		t.Errorf("the API received %d pull requests, want 3", n)
	}
}
