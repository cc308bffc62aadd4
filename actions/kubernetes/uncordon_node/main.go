// Command uncordon_node is the built-in action kubernetes/uncordon_node: it makes a node
// schedulable again, as kubectl uncordon does, after kubernetes/cordon_node or
// kubernetes/drain_node. See docs/actions.md.
package main

import (
	"context"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/actions/internal/nodes"
	"github.com/kubernaut/kubernaut/sdk/action"
)

func main() { action.Main(uncordoner{kube: kube.InCluster("kubernaut-action/uncordon_node")}.run) }

// fieldManager names the action in managedFields, so that the node's YAML shows who uncordoned it.
const fieldManager = "kubernaut-uncordon-node"

// uncordoner is the action with its dependencies; tests give it a client for a real API server.
type uncordoner struct {
	kube kube.Env
}

// run uncordons the node: the logic is nodes.Schedulability, shared with the opposite action.
func (c uncordoner) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	return nodes.Schedulability{Kube: c.kube, Unschedulable: false, FieldManager: fieldManager}.Run(ctx, in)
}
