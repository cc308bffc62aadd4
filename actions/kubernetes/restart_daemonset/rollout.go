package main

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	typedappsv1 "k8s.io/client-go/kubernetes/typed/apps/v1"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// pollInterval is how often the DaemonSet is read while waiting. Polling a get, rather than
// watching, keeps the contract at the verbs the action needs anyway.
const pollInterval = time.Second

// waitForRollout reads the DaemonSet until its rollout is complete (see rolloutProgress) and
// returns it. It ends with an error naming the progress made when ctx ends (the step's deadline
// or cancellation).
func waitForRollout(ctx context.Context, daemonsets typedappsv1.DaemonSetInterface, ref kube.Ref) (*appsv1.DaemonSet, error) {
	var last *appsv1.DaemonSet
	var lastProgress string
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		d, err := daemonsets.Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			return false, kube.APIError(err, "get", ref)
		}
		last = d
		done, progress := rolloutProgress(d)
		if progress != lastProgress {
			action.Logf(ctx, "%s: %s", ref, progress)
			lastProgress = progress
		}
		return done, nil
	})
	if err == nil {
		return last, nil
	}
	if ctx.Err() != nil {
		if lastProgress == "" {
			lastProgress = "no status read yet"
		}
		return nil, fmt.Errorf("gave up waiting for the rollout of %s (%s): %w", ref, lastProgress, err)
	}
	return nil, err
}

// rolloutProgress decides whether d's rollout is complete, with the rules of `kubectl rollout
// status`: the controller has observed the current generation, and on every node that should
// run the daemon pod (desiredNumberScheduled), the pod is of the current template (updated) and
// available. A DaemonSet reports no progress deadline, so only the step's timeout ends a stuck
// rollout.
func rolloutProgress(d *appsv1.DaemonSet) (done bool, progress string) {
	st := d.Status
	if st.ObservedGeneration < d.Generation {
		return false, fmt.Sprintf("waiting for the daemonset controller to observe generation %d (observed %d)",
			d.Generation, st.ObservedGeneration)
	}
	progress = fmt.Sprintf("%d/%d updated, %d available", st.UpdatedNumberScheduled, st.DesiredNumberScheduled, st.NumberAvailable)
	done = st.UpdatedNumberScheduled >= st.DesiredNumberScheduled && st.NumberAvailable >= st.DesiredNumberScheduled
	return done, progress
}
