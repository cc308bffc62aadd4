package actionexecution

import (
	"context"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// exitReasons are the exit codes of the action runtime (sdk/action) that say more than "the
// action failed": the action was started with inputs its contract rejects, or it produced outputs
// its contract rejects. The Tekton engine reads the same codes from its TaskRuns, so a step fails
// with the same reason on both engines.
var exitReasons = map[int32]string{
	action.ExitInputError:  executionv1alpha1.InvalidInputsReason,
	action.ExitOutputError: executionv1alpha1.OutputInvalidReason,
}

// failureReason is the Ready reason of a failed Job: from the exit code of its newest failed
// pod's action container when the runtime gave it a meaning, else JobFailed. The pods are read
// only now, once, when the Job has failed; when they cannot be read the reason stays JobFailed.
func (r *Reconciler) failureReason(ctx context.Context, job *batchv1.Job) string {
	pods, err := jobPods(ctx, r.APIReader, job)
	if err != nil {
		return executionv1alpha1.JobFailedReason
	}
	newest := newestPod(pods, func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
	if newest == nil {
		return executionv1alpha1.JobFailedReason
	}
	for _, cs := range newest.Status.ContainerStatuses {
		if t := cs.State.Terminated; t != nil {
			if reason, ok := exitReasons[t.ExitCode]; ok {
				return reason
			}
		}
	}
	return executionv1alpha1.JobFailedReason
}
