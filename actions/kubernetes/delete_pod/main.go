// Command delete_pod is the built-in action kubernetes/delete_pod: it deletes a pod with a
// grace period, whether or not a controller will recreate it. See docs/actions.md.
package main

import (
	"context"
	"fmt"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// maxGracePeriod repeats the contract's bound, for runs without a contract (a local binary).
const maxGracePeriod = 3600

func main() { action.Main(deleter{kube: kube.InCluster("kubernaut-action/delete_pod")}.run) }

// deleter is the action with its dependencies; tests give it a client for a real API server.
type deleter struct {
	kube kube.Env
}

// deleteArgs are the action's inputs; GracePeriodSeconds is nil when the input is absent.
type deleteArgs struct {
	Pod                string `json:"pod"`
	GracePeriodSeconds *int64 `json:"gracePeriodSeconds"`
	DryRun             bool   `json:"dryRun"`
}

// run reads the inputs, deletes the pod and reports what it deleted.
func (d deleter) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	var args deleteArgs
	if err := in.Decode(&args); err != nil {
		return nil, err
	}
	if args.Pod == "" {
		return nil, fmt.Errorf("input \"pod\" is missing or empty")
	}
	if g := args.GracePeriodSeconds; g != nil && (*g < 0 || *g > maxGracePeriod) {
		return nil, fmt.Errorf("input \"gracePeriodSeconds\" must be between 0 and %d, got %d", maxGracePeriod, *g)
	}
	ns, err := d.kube.Namespace(in)
	if err != nil {
		return nil, err
	}
	client, err := d.kube.NewClient()
	if err != nil {
		return nil, err
	}
	ref := kube.Ref{Kind: "pod", Namespace: ns, Name: args.Pod}
	res, err := deletePod(ctx, client, ref, args.GracePeriodSeconds, args.DryRun)
	if err != nil {
		return nil, err
	}
	return action.Outputs{
		"pod":                args.Pod,
		"namespace":          ns,
		"uid":                res.UID,
		"controller":         res.Controller,
		"node":               res.Node,
		"gracePeriodSeconds": res.GracePeriodSeconds,
		"deleted":            res.Deleted,
		"dryRun":             args.DryRun,
	}, nil
}
