package nodes

import (
	"context"
	"fmt"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// Schedulability is the whole of kubernetes/cordon_node and kubernetes/uncordon_node: the two
// differ only in the value they set and the field manager they write as.
type Schedulability struct {
	// Kube gives the client; tests give one for a real API server.
	Kube kube.Env
	// Unschedulable is the value to set: true cordons, false uncordons.
	Unschedulable bool
	// FieldManager names the action in managedFields, so the node's YAML shows who changed it.
	FieldManager string
}

// schedulabilityArgs are the inputs of both actions.
type schedulabilityArgs struct {
	Node   string `json:"node"`
	DryRun bool   `json:"dryRun"`
}

// Run reads the inputs, sets spec.unschedulable and reports what changed.
func (s Schedulability) Run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	var args schedulabilityArgs
	if err := in.Decode(&args); err != nil {
		return nil, err
	}
	if args.Node == "" {
		return nil, fmt.Errorf("input \"node\" is missing or empty")
	}
	client, err := s.Kube.NewClient()
	if err != nil {
		return nil, err
	}
	res, err := SetUnschedulable(ctx, client, args.Node, s.Unschedulable, args.DryRun, s.FieldManager)
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
