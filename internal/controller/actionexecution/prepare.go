package actionexecution

import (
	"context"
	"maps"

	"k8s.io/apimachinery/pkg/runtime"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// reconcilePrepared ends a run of engine tekton where reconcileJob would create the Job. It
// builds that Job in memory only and records, taken from it, what the TaskRun's step needs: the
// same image digest, ServiceAccount, pull secrets, resources, security context, inputs and
// credentials, so that the two engines run an action from the same code (DESIGN D7). The status
// write that records it is the run's last: phase Prepared is final.
func (r *Reconciler) reconcilePrepared(_ context.Context, run *run) error {
	job, err := buildJob(run)
	if err != nil {
		return err
	}
	pod := job.Spec.Template.Spec
	container := pod.Containers[0] // BuildJob's one container, actionjob.ContainerName
	prepared := &executionv1alpha1.PreparedLaunch{
		Image:              container.Image,
		ServiceAccountName: pod.ServiceAccountName,
		ImagePullSecrets:   pod.ImagePullSecrets,
		Resources:          container.Resources,
		SecurityContext:    container.SecurityContext,
		Tolerations:        pod.Tolerations,
		Inputs:             &runtime.RawExtension{Raw: run.inputs},
		// Checked by reconcileCredentials; the PipelineRun mounts them as the Job would.
		Credentials: maps.Clone(run.obj.Spec.Credentials),
	}
	for _, env := range container.Env {
		if env.Name == action.EnvContractPath {
			prepared.ContractPath = env.Value
		}
	}
	run.obj.Status.Prepared = prepared
	run.obj.Status.Phase = executionv1alpha1.PhasePrepared
	return nil
}
