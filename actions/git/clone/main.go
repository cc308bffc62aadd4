// Command clone is the built-in action git/clone: it clones a git repository over https into the workflow's workspace.
// The logic is gitops.Clone (actions/git/internal/gitops), where the whole GitOps workflow is
// tested against a real git server; see actions/git/README.md.
package main

import (
	"github.com/kubernaut/kubernaut/actions/git/internal/gitops"
	"github.com/kubernaut/kubernaut/actions/internal/workspace"
	"github.com/kubernaut/kubernaut/sdk/action"
)

func main() {
	action.Main(gitops.Clone{Workspace: workspace.Dir, CredentialsDir: gitops.CredentialsDir()}.Run)
}
