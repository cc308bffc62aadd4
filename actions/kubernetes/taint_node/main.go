// Command taint_node is the built-in action kubernetes/taint_node: it puts a taint on a node,
// replacing a taint with the same key and effect, as kubectl taint does. See docs/actions.md.
package main

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// effects repeats the contract's enum, for runs without a contract (a local binary).
var effects = []corev1.TaintEffect{corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute}

func main() { action.Main(tainter{kube: kube.InCluster("kubernaut-action/taint_node")}.run) }

// tainter is the action with its dependencies; tests give it a client for a real API server.
type tainter struct {
	kube kube.Env
}

// taintArgs are the action's inputs.
type taintArgs struct {
	Node   string `json:"node"`
	Key    string `json:"key"`
	Value  string `json:"value"`
	Effect string `json:"effect"`
	DryRun bool   `json:"dryRun"`
}

// run reads the inputs, taints the node and reports the taints before and after.
func (t tainter) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	var args taintArgs
	if err := in.Decode(&args); err != nil {
		return nil, err
	}
	switch {
	case args.Node == "":
		return nil, fmt.Errorf("input \"node\" is missing or empty")
	case args.Key == "":
		return nil, fmt.Errorf("input \"key\" is missing or empty")
	case !slices.Contains(effects, corev1.TaintEffect(args.Effect)):
		return nil, fmt.Errorf("input \"effect\" %q must be one of %v", args.Effect, effects)
	}
	client, err := t.kube.NewClient()
	if err != nil {
		return nil, err
	}
	want := corev1.Taint{Key: args.Key, Value: args.Value, Effect: corev1.TaintEffect(args.Effect)}
	res, err := taintNode(ctx, client, args.Node, want, args.DryRun)
	if err != nil {
		return nil, err
	}
	return action.Outputs{
		"node":           args.Node,
		"taint":          want.ToString(),
		"replaced":       res.Replaced,
		"previousTaints": res.Previous,
		"taints":         res.Taints,
		"changed":        res.Changed,
		"dryRun":         args.DryRun,
	}, nil
}
