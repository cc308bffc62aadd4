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

// pollInterval is how often the Deployment is read while waiting. Polling a get, rather than
// watching, keeps the contract at the verbs the action needs anyway.
const pollInterval = time.Second

// waitForRollout reads the Deployment until its rollout is complete (see rolloutProgress) and
// returns it. It ends with an error naming the progress made when ctx ends (the step's deadline
// or cancellation), and at once when the Deployment controller reports that the rollout
// exceeded its progressDeadlineSeconds: the new pods do not become available, and waiting
// longer would only hide that.
func waitForRollout(ctx context.Context, deployments typedappsv1.DeploymentInterface, ref kube.Ref) (*appsv1.Deployment, error) {
	var last *appsv1.Deployment
	var lastProgress string
	err := wait.PollUntilContextCancel(ctx, pollInterval, true, func(ctx context.Context) (bool, error) {
		d, err := deployments.Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			return false, kube.APIError(err, "get", ref)
		}
		last = d
		done, progress, err := rolloutProgress(d)
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
		return nil, fmt.Errorf("gave up waiting for the rollout of %s (%s): %w", ref, lastProgress, err)
	}
	return nil, err
}

// rolloutProgress decides whether d's rollout is complete, with the rules of `kubectl rollout
// status`: the controller has observed the current generation, every desired replica runs the
// current template (updated), no replica of an old template is left, and every updated replica
// is available. A Progressing condition with reason ProgressDeadlineExceeded is an error.
func rolloutProgress(d *appsv1.Deployment) (done bool, progress string, err error) {
	st := d.Status
	if st.ObservedGeneration < d.Generation {
		return false, fmt.Sprintf("waiting for the deployment controller to observe generation %d (observed %d)",
			d.Generation, st.ObservedGeneration), nil
	}
	for _, c := range st.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Reason == "ProgressDeadlineExceeded" {
			return false, "", fmt.Errorf("the rollout of deployment %s/%s exceeded its progress deadline: %s",
				d.Namespace, d.Name, c.Message)
		}
	}
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	progress = fmt.Sprintf("%d/%d updated, %d available, %d existing", st.UpdatedReplicas, want, st.AvailableReplicas, st.Replicas)
	done = st.UpdatedReplicas >= want && st.Replicas <= st.UpdatedReplicas && st.AvailableReplicas >= st.UpdatedReplicas
	return done, progress, nil
}
