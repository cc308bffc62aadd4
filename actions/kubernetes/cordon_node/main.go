// Command cordon_node is the built-in action kubernetes/cordon_node: it marks a node
// unschedulable, as kubectl cordon does, so that no new pods are scheduled to it. The pods
// running there stay; kubernetes/drain_node evicts them. See docs/actions.md.
package main

import (
	"context"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/actions/internal/nodes"
	"github.com/kubernaut/kubernaut/sdk/action"
)

func main() { action.Main(cordoner{kube: kube.InCluster("kubernaut-action/cordon_node")}.run) }

// fieldManager names the action in managedFields, so that the node's YAML shows who cordoned it.
const fieldManager = "kubernaut-cordon-node"

// cordoner is the action with its dependencies; tests give it a client for a real API server.
type cordoner struct {
	kube kube.Env
}

// run cordons the node: the logic is nodes.Schedulability, shared with the opposite action.
func (c cordoner) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	return nodes.Schedulability{Kube: c.kube, Unschedulable: true, FieldManager: fieldManager}.Run(ctx, in)
}
