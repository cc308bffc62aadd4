// Command create-pr is the built-in action git/create-pr: it opens a GitHub pull request or a
// GitLab merge request from a branch that git/push pushed.
// The logic is gitops.CreatePR (actions/git/internal/gitops); see actions/git/README.md.
package main

import (
	"github.com/kubernaut/kubernaut/actions/git/internal/gitops"
	"github.com/kubernaut/kubernaut/actions/internal/workspace"
	"github.com/kubernaut/kubernaut/sdk/action"
)

func main() {
	action.Main(gitops.CreatePR{Workspace: workspace.Dir, CredentialsDir: gitops.CredentialsDir()}.Run)
}
