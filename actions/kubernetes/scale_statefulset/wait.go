package main

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	typedappsv1 "k8s.io/client-go/kubernetes/typed/apps/v1"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/actions/internal/rollout"
	"github.com/kubernaut/kubernaut/actions/internal/scale"
)

// waitForReplicas reads the StatefulSet until it has reached want replicas (see
// rolloutProgress) and returns it. It ends at once when spec.replicas no longer is want:
// something else, such as a HorizontalPodAutoscaler, manages the replicas, and waiting would
// only run into the step's deadline.
func waitForReplicas(ctx context.Context, statefulsets typedappsv1.StatefulSetInterface, ref kube.Ref, want int32) (*appsv1.StatefulSet, error) {
	get := func(ctx context.Context) (*appsv1.StatefulSet, error) {
		return statefulsets.Get(ctx, ref.Name, metav1.GetOptions{})
	}
	check := func(d *appsv1.StatefulSet) (bool, string, error) { return rolloutProgress(d, want) }
	return rollout.Wait(ctx, ref, scale.WaitGoal(ref, want), get, check)
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
