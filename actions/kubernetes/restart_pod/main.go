// Command restart_pod is the built-in action kubernetes/restart_pod: it deletes a pod that a
// controller owns, so that the controller creates it again. A pod without a controller is
// refused unless force is set. See docs/actions.md.
package main

import (
	"context"
	"fmt"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

func main() { action.Main(restarter{kube: kube.InCluster("kubernaut-action/restart_pod")}.run) }

// restarter is the action with its dependencies; tests give it a client for a real API server.
type restarter struct {
	kube kube.Env
}

// restartArgs are the action's inputs.
type restartArgs struct {
	Pod    string `json:"pod"`
	Force  bool   `json:"force"`
	DryRun bool   `json:"dryRun"`
}

// run reads the inputs, deletes the pod and reports what it deleted.
func (r restarter) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	var args restartArgs
	if err := in.Decode(&args); err != nil {
		return nil, err
	}
	if args.Pod == "" {
		return nil, fmt.Errorf("input \"pod\" is missing or empty")
	}
	ns, err := r.kube.Namespace(in)
	if err != nil {
		return nil, err
	}
	client, err := r.kube.NewClient()
	if err != nil {
		return nil, err
	}
	ref := kube.Ref{Kind: "pod", Namespace: ns, Name: args.Pod}
	res, err := restartPod(ctx, client, ref, args.Force, args.DryRun)
	if err != nil {
		return nil, err
	}
	return action.Outputs{
		"pod":        args.Pod,
		"namespace":  ns,
		"uid":        res.UID,
		"controller": res.Controller,
		"node":       res.Node,
		"deleted":    res.Deleted,
		"dryRun":     args.DryRun,
	}, nil
}
