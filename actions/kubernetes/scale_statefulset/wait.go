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

// pollInterval is how often the StatefulSet is read while waiting. Polling a get, rather than
// watching, keeps the contract at the one verb the action needs anyway; a scale takes seconds.
const pollInterval = time.Second

// waitForReplicas reads the StatefulSet until its rollout has reached want replicas (see
// rolloutProgress) and returns it. It ends with an error naming the progress made when ctx ends
// (the step's deadline or cancellation), or at once when spec.replicas no longer is want:
// something else, such as a HorizontalPodAutoscaler, manages the replicas, and waiting would
// only run into the deadline.
func waitForReplicas(ctx context.Context, statefulsets typedappsv1.StatefulSetInterface, ref kube.Ref, want int32) (*appsv1.StatefulSet, error) {
	var last *appsv1.StatefulSet
	var lastProgress string
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		d, err := statefulsets.Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			return false, kube.APIError(err, "get", ref)
		}
		last = d
		done, progress, err := rolloutProgress(d, want)
		if progress != lastProgress {
			action.Logf(ctx, "%s: %s", ref, progress)
			lastProgress = progress
		}
		return done, err
	})
	if err == nil {
		return last, nil
	}
	if ctx.Err() != nil {
		if lastProgress == "" {
			lastProgress = "no status read yet"
		}
		return nil, fmt.Errorf("gave up waiting for %s to have %d ready replicas (%s): %w", ref, want, lastProgress, err)
	}
	return nil, err
}

// rolloutProgress decides whether d has finished scaling to want replicas, and describes where
// it stands. Finished means: the StatefulSet controller has seen the current spec
// (observedGeneration), and exactly want pods exist and are ready, so a scale-down also waits
// for the surplus pods to go. Unlike a Deployment's, a StatefulSet's updatedReplicas is not
// required: with a partitioned rolling update or the OnDelete strategy, pods of the old revision
// stay by design, and a scale does not change that. A spec.replicas other than want is an
// error: someone else changed it.
func rolloutProgress(d *appsv1.StatefulSet, want int32) (done bool, progress string, err error) {
	if d.Spec.Replicas != nil && *d.Spec.Replicas != want {
		return false, "", fmt.Errorf("spec.replicas of statefulset %s/%s changed to %d while waiting for %d: "+
			"another actor (a HorizontalPodAutoscaler, a GitOps controller, a person) manages its replicas",
			d.Namespace, d.Name, *d.Spec.Replicas, want)
	}
	st := d.Status
	if st.ObservedGeneration < d.Generation {
		return false, fmt.Sprintf("waiting for the statefulset controller to observe generation %d (observed %d)",
			d.Generation, st.ObservedGeneration), nil
	}
	progress = fmt.Sprintf("%d/%d ready, %d existing", st.ReadyReplicas, want, st.Replicas)
	done = st.ReadyReplicas == want && st.Replicas == want
	return done, progress, nil
}
