// Command commit is the built-in action git/commit: it commits the changes of a clone in the workspace to a new kubernaut/remediation- branch.
// The logic is gitops.Commit (actions/git/internal/gitops), where the whole GitOps workflow is
// tested against a real git server; see actions/git/README.md.
package main

import (
	"github.com/kubernaut/kubernaut/actions/git/internal/gitops"
	"github.com/kubernaut/kubernaut/actions/internal/workspace"
	"github.com/kubernaut/kubernaut/sdk/action"
)

func main() { action.Main(gitops.Commit{Workspace: workspace.Dir}.Run) }
