// Command quarantine_pod is the built-in action kubernetes/quarantine_pod: it isolates a pod
// with a deny-all NetworkPolicy that selects exactly that pod, labels it as quarantined and,
// optionally, removes labels so that Services and its controller let go of it. See
// docs/actions.md.
package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

func main() { action.Main(quarantiner{kube: kube.InCluster("kubernaut-action/quarantine_pod")}.run) }

// quarantiner is the action with its dependencies; tests give it a client for a real API server.
type quarantiner struct {
	kube kube.Env
}

// quarantineArgs are the action's inputs.
type quarantineArgs struct {
	Pod          string   `json:"pod"`
	RemoveLabels []string `json:"removeLabels"`
	DryRun       bool     `json:"dryRun"`
}

// run reads the inputs, quarantines the pod and reports its labels before and after.
func (q quarantiner) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	var args quarantineArgs
	if err := in.Decode(&args); err != nil {
		return nil, err
	}
	if args.Pod == "" {
		return nil, fmt.Errorf("input \"pod\" is missing or empty")
	}
	for i, key := range args.RemoveLabels {
		if key == quarantinedLabel || key == quarantineIDLabel {
			return nil, fmt.Errorf("input \"removeLabels\"[%d] %q is a label the quarantine sets; it cannot be removed", i, key)
		}
	}
	ns, err := q.kube.Namespace(in)
	if err != nil {
		return nil, err
	}
	client, err := q.kube.NewClient()
	if err != nil {
		return nil, err
	}
	ref := kube.Ref{Kind: "pod", Namespace: ns, Name: args.Pod}
	res, err := quarantinePod(ctx, client, ref, slices.Compact(slices.Sorted(slices.Values(args.RemoveLabels))), args.DryRun)
	if err != nil {
		return nil, err
	}
	return action.Outputs{
		"pod":            args.Pod,
		"namespace":      ns,
		"networkPolicy":  res.NetworkPolicy,
		"previousLabels": res.Previous,
		"labels":         res.Labels,
		"removedLabels":  res.Removed,
		"changed":        res.Changed,
		"dryRun":         args.DryRun,
	}, nil
}
