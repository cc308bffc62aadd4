package main

import (
	"context"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/sdk/action"
)

// drainReport says what the drain did. The lists are never nil: outputs are arrays.
type drainReport struct {
	PreviousUnschedulable bool
	Unschedulable         bool
	Evicted               []string
	Skipped               []string
	Failed                []string
}

// drainNode cordons the node, so that no new pod lands on it while it is drained, then evicts
// its pods and, unless this is a dry run, waits until they are gone. One deadline,
// timeoutSeconds from the start, bounds both the retries of refused evictions and the wait.
// Pods without a controller stop the drain before any eviction unless force is set (the node
// stays cordoned, as with kubectl drain).
func drainNode(ctx context.Context, c kubernetes.Interface, req drainArgs, interval time.Duration) (drainReport, error) {
	deadline := time.Now().Add(time.Duration(req.TimeoutSeconds) * time.Second)
	rep := drainReport{Evicted: []string{}, Skipped: []string{}, Failed: []string{}}
	var err error
	if rep.PreviousUnschedulable, rep.Unschedulable, err = cordon(ctx, c, req.Node, req.DryRun); err != nil {
		return drainReport{}, err
	}
	pods, err := podsOnNode(ctx, c, req.Node)
	if err != nil {
		return drainReport{}, err
	}
	p := planDrain(pods, req.IgnoreNamespaces, req.Force)
	if len(p.Bare) > 0 {
		return drainReport{}, errBarePods(req.Node, p.Bare, req.DryRun)
	}
	rep.Skipped = append(rep.Skipped, p.Skipped...)
	action.Logf(ctx, "node %s runs %d pods: evicting %d, leaving %d", req.Node, len(pods), len(p.Evict), len(p.Skipped))
	out := evictAll(ctx, c, p.Evict, evictOptions{
		GracePeriodSeconds: req.GracePeriodSeconds, DryRun: req.DryRun, Deadline: deadline, RetryInterval: interval,
	})
	rep.Skipped = append(rep.Skipped, out.Skipped...)
	rep.Failed = append(rep.Failed, out.Failed...)
	if req.DryRun {
		for _, pod := range out.Evicted {
			rep.Evicted = append(rep.Evicted, podName(&pod))
		}
		action.Logf(ctx, "dry run: node %s would be drained of %d pods; nothing was changed", req.Node, len(rep.Evicted))
		return rep, nil
	}
	gone, failed := waitGone(ctx, c, out.Evicted, deadline, interval)
	rep.Evicted = append(rep.Evicted, gone...)
	rep.Failed = append(rep.Failed, failed...)
	action.Logf(ctx, "node %s: %d pods evicted, %d skipped, %d failed", req.Node, len(rep.Evicted), len(rep.Skipped), len(rep.Failed))
	return rep, nil
}
