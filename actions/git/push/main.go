// Command push is the built-in action git/push: it pushes a branch of a clone in the workspace, refusing protected branches.
// The logic is gitops.Push (actions/git/internal/gitops), where the whole GitOps workflow is
// tested against a real git server; see actions/git/README.md.
package main

import (
	"github.com/kubernaut/kubernaut/actions/git/internal/gitops"
	"github.com/kubernaut/kubernaut/actions/internal/workspace"
	"github.com/kubernaut/kubernaut/sdk/action"
)

func main() {
	action.Main(gitops.Push{Workspace: workspace.Dir, CredentialsDir: gitops.CredentialsDir()}.Run)
}
