// Command modify-file is the built-in action git/modify-file: it changes one YAML or JSON file of a clone in the workspace (set, merge patch or JSON patch).
// The logic is gitops.Modify (actions/git/internal/gitops), where the whole GitOps workflow is
// tested against a real git server; see actions/git/README.md.
package main

import (
	"github.com/kubernaut/kubernaut/actions/git/internal/gitops"
	"github.com/kubernaut/kubernaut/actions/internal/workspace"
	"github.com/kubernaut/kubernaut/sdk/action"
)

func main() { action.Main(gitops.Modify{Workspace: workspace.Dir}.Run) }
