// Command untaint_node is the built-in action kubernetes/untaint_node: it removes the taints
// with a key (and, optionally, an effect) from a node, as kubectl taint key- does. See
// docs/actions.md.
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

func main() { action.Main(untainter{kube: kube.InCluster("kubernaut-action/untaint_node")}.run) }

// untainter is the action with its dependencies; tests give it a client for a real API server.
type untainter struct {
	kube kube.Env
}

// untaintArgs are the action's inputs. An empty Effect matches every effect.
type untaintArgs struct {
	Node   string `json:"node"`
	Key    string `json:"key"`
	Effect string `json:"effect"`
	DryRun bool   `json:"dryRun"`
}

// run reads the inputs, removes the matching taints and reports the taints before and after.
func (u untainter) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	var args untaintArgs
	if err := in.Decode(&args); err != nil {
		return nil, err
	}
	switch {
	case args.Node == "":
		return nil, fmt.Errorf("input \"node\" is missing or empty")
	case args.Key == "":
		return nil, fmt.Errorf("input \"key\" is missing or empty")
	case args.Effect != "" && !slices.Contains(effects, corev1.TaintEffect(args.Effect)):
		return nil, fmt.Errorf("input \"effect\" %q must be one of %v", args.Effect, effects)
	}
	client, err := u.kube.NewClient()
	if err != nil {
		return nil, err
	}
	res, err := untaintNode(ctx, client, args.Node, selector{Key: args.Key, Effect: corev1.TaintEffect(args.Effect)}, args.DryRun)
	if err != nil {
		return nil, err
	}
	return action.Outputs{
		"node":           args.Node,
		"removed":        res.Removed,
		"previousTaints": res.Previous,
		"taints":         res.Taints,
		"changed":        len(res.Removed) > 0,
		"dryRun":         args.DryRun,
	}, nil
}
