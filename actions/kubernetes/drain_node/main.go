// Command drain_node is the built-in action kubernetes/drain_node: it cordons a node and evicts
// its pods through the Eviction API, respecting PodDisruptionBudgets, as kubectl drain does.
// See docs/actions.md.
package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// Bounds and defaults of the contract, repeated for runs without one (a local binary).
const (
	maxGracePeriod        = 3600
	defaultTimeoutSeconds = 300
	maxTimeoutSeconds     = 3600
)

// retryInterval is the pause between two rounds of evictions and of checks that evicted pods
// are gone. kubectl drain waits 5 s after a refusal; a budget frees up when a replacement pod
// becomes ready, which takes seconds.
const retryInterval = 5 * time.Second

func main() {
	action.Main(drainer{kube: kube.InCluster("kubernaut-action/drain_node"), retryInterval: retryInterval}.run)
}

// drainer is the action with its dependencies; tests give it a client for a real API server
// and a short retryInterval.
type drainer struct {
	kube          kube.Env
	retryInterval time.Duration
}

// drainArgs are the action's inputs; GracePeriodSeconds is nil when the input is absent.
type drainArgs struct {
	Node               string   `json:"node"`
	GracePeriodSeconds *int64   `json:"gracePeriodSeconds"`
	TimeoutSeconds     int64    `json:"timeoutSeconds"`
	IgnoreNamespaces   []string `json:"ignoreNamespaces"`
	Force              bool     `json:"force"`
	AllowIncomplete    bool     `json:"allowIncomplete"`
	DryRun             bool     `json:"dryRun"`
}

// run reads the inputs, drains the node and reports what happened to each pod.
func (d drainer) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	req, err := request(in)
	if err != nil {
		return nil, err
	}
	client, err := d.kube.NewClient()
	if err != nil {
		return nil, err
	}
	rep, err := drainNode(ctx, client, req, d.retryInterval)
	if err != nil {
		return nil, err
	}
	if len(rep.Failed) > 0 && !req.AllowIncomplete {
		return nil, fmt.Errorf("%s but not drained: %d pods could not be evicted: %s "+
			"(set allowIncomplete to succeed anyway)", cordoned(req.Node, req.DryRun), len(rep.Failed), strings.Join(rep.Failed, "; "))
	}
	return action.Outputs{
		"node":                  req.Node,
		"previousUnschedulable": rep.PreviousUnschedulable,
		"unschedulable":         rep.Unschedulable,
		"evicted":               rep.Evicted,
		"skipped":               rep.Skipped,
		"failed":                rep.Failed,
		"drained":               len(rep.Failed) == 0,
		"dryRun":                req.DryRun,
	}, nil
}

// request decodes the inputs, checking what the contract checks when there is none.
func request(in *action.Inputs) (drainArgs, error) {
	args := drainArgs{TimeoutSeconds: defaultTimeoutSeconds}
	if err := in.Decode(&args); err != nil {
		return drainArgs{}, err
	}
	switch g := args.GracePeriodSeconds; {
	case args.Node == "":
		return drainArgs{}, fmt.Errorf("input \"node\" is missing or empty")
	case g != nil && (*g < 0 || *g > maxGracePeriod):
		return drainArgs{}, fmt.Errorf("input \"gracePeriodSeconds\" must be between 0 and %d, got %d", maxGracePeriod, *g)
	case args.TimeoutSeconds < 1 || args.TimeoutSeconds > maxTimeoutSeconds:
		return drainArgs{}, fmt.Errorf("input \"timeoutSeconds\" must be between 1 and %d, got %d", maxTimeoutSeconds, args.TimeoutSeconds)
	}
	return args, nil
}
