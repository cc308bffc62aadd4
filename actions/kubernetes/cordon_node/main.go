// Command cordon_node is the built-in action kubernetes/cordon_node: it marks a node
// unschedulable, as kubectl cordon does, so that no new pods are scheduled to it. The pods
// running there stay; kubernetes/drain_node evicts them. See docs/actions.md.
package main

import (
	"context"
	"fmt"

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

// cordonArgs are the action's inputs.
type cordonArgs struct {
	Node   string `json:"node"`
	DryRun bool   `json:"dryRun"`
}

// run reads the inputs, cordons the node and reports what changed.
func (c cordoner) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	var args cordonArgs
	if err := in.Decode(&args); err != nil {
		return nil, err
	}
	if args.Node == "" {
		return nil, fmt.Errorf("input \"node\" is missing or empty")
	}
	client, err := c.kube.NewClient()
	if err != nil {
		return nil, err
	}
	res, err := nodes.SetUnschedulable(ctx, client, args.Node, true, args.DryRun, fieldManager)
	if err != nil {
		return nil, err
	}
	return action.Outputs{
		"node":                  args.Node,
		"previousUnschedulable": res.Previous,
		"unschedulable":         res.Unschedulable,
		"changed":               res.Changed,
		"dryRun":                args.DryRun,
	}, nil
}
