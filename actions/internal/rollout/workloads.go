package rollout

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	typedappsv1 "k8s.io/client-go/kubernetes/typed/apps/v1"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
)

// WaitForDeployment waits until the rollout of the Deployment that ref names is complete (see
// DeploymentProgress) and returns the Deployment. It ends at once when the Deployment
// controller reports that the rollout exceeded its progressDeadlineSeconds: the new pods do not
// become available, and waiting longer would only hide that.
func WaitForDeployment(ctx context.Context, deployments typedappsv1.DeploymentInterface, ref kube.Ref) (*appsv1.Deployment, error) {
	get := func(ctx context.Context) (*appsv1.Deployment, error) {
		return deployments.Get(ctx, ref.Name, metav1.GetOptions{})
	}
	return Wait(ctx, ref, "the rollout of "+ref.String(), get, DeploymentProgress)
}

// DeploymentProgress decides whether d's rollout is complete, with the rules of `kubectl
// rollout status`: the controller has observed the current generation, every desired replica
// runs the current template (updated), no replica of an old template is left, and every
// updated replica is available. A Progressing condition with reason ProgressDeadlineExceeded is
// an error.
func DeploymentProgress(d *appsv1.Deployment) (done bool, progress string, err error) {
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
	want := int32(1) // the API's default for an unset spec.replicas
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	progress = fmt.Sprintf("%d/%d updated, %d available, %d existing", st.UpdatedReplicas, want, st.AvailableReplicas, st.Replicas)
	done = st.UpdatedReplicas >= want && st.Replicas <= st.UpdatedReplicas && st.AvailableReplicas >= st.UpdatedReplicas
	return done, progress, nil
}

// WaitForDaemonSet waits until the rollout of the DaemonSet that ref names is complete (see
// DaemonSetProgress) and returns the DaemonSet. A DaemonSet reports no progress deadline, so
// only the step's timeout ends a stuck rollout.
func WaitForDaemonSet(ctx context.Context, daemonsets typedappsv1.DaemonSetInterface, ref kube.Ref) (*appsv1.DaemonSet, error) {
	get := func(ctx context.Context) (*appsv1.DaemonSet, error) {
		return daemonsets.Get(ctx, ref.Name, metav1.GetOptions{})
	}
	check := func(d *appsv1.DaemonSet) (bool, string, error) {
		done, progress := DaemonSetProgress(d)
		return done, progress, nil
	}
	return Wait(ctx, ref, "the rollout of "+ref.String(), get, check)
}

// DaemonSetProgress decides whether d's rollout is complete, with the rules of `kubectl
// rollout status`: the controller has observed the current generation, and on every node that
// should run the daemon pod (desiredNumberScheduled), the pod is of the current template
// (updated) and available.
func DaemonSetProgress(d *appsv1.DaemonSet) (done bool, progress string) {
	st := d.Status
	if st.ObservedGeneration < d.Generation {
		return false, fmt.Sprintf("waiting for the daemonset controller to observe generation %d (observed %d)",
			d.Generation, st.ObservedGeneration)
	}
	progress = fmt.Sprintf("%d/%d updated, %d available", st.UpdatedNumberScheduled, st.DesiredNumberScheduled, st.NumberAvailable)
	done = st.UpdatedNumberScheduled >= st.DesiredNumberScheduled && st.NumberAvailable >= st.DesiredNumberScheduled
	return done, progress
}
