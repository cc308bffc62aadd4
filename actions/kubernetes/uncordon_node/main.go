// Command uncordon_node is the built-in action kubernetes/uncordon_node: it makes a node
// schedulable again, as kubectl uncordon does, after kubernetes/cordon_node or
// kubernetes/drain_node. See docs/actions.md.
package main

import (
	"context"
	"fmt"

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

// uncordonArgs are the action's inputs.
type uncordonArgs struct {
	Node   string `json:"node"`
	DryRun bool   `json:"dryRun"`
}

// run reads the inputs, uncordons the node and reports what changed.
func (c uncordoner) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	var args uncordonArgs
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
	res, err := nodes.SetUnschedulable(ctx, client, args.Node, false, args.DryRun, fieldManager)
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
