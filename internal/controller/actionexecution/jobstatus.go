package actionexecution

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

// reconcileJobStatus mirrors the Job into the run's status: Running while it runs; when it
// succeeded, Succeeded with the outputs read from its pod, or OutputInvalid; when it failed,
// DeadlineExceeded, or by the action's exit code InvalidInputs, OutputInvalid or JobFailed.
// Progress comes from the Job and pod watches, never from a timer: the Job's
// activeDeadlineSeconds enforces spec.timeout.
func (r *Reconciler) reconcileJobStatus(ctx context.Context, run *run) error {
	job, status := run.job, &run.obj.Status
	status.JobRef = &executionv1alpha1.JobReference{Name: job.Name}
	if status.StartTime == nil {
		start := metav1.NewTime(r.Clock.Now())
		if !job.CreationTimestamp.IsZero() {
			start = job.CreationTimestamp
		}
		status.StartTime = &start
	}
	setCondition(run.obj, executionv1alpha1.JobCreatedCondition, metav1.ConditionTrue, executionv1alpha1.SucceededReason,
		fmt.Sprintf("Job %s runs %s", job.Name, jobImage(job)))
	status.Phase = executionv1alpha1.PhaseRunning
	if failed := jobCondition(job, batchv1.JobFailed); failed != nil {
		reason := executionv1alpha1.DeadlineExceededReason
		if failed.Reason != batchv1.JobReasonDeadlineExceeded {
			reason = r.failureReason(ctx, job)
		}
		return refuse("", reason, "Job %s failed (%s): %s; see `kubectl logs job/%s -n %s`",
			job.Name, failed.Reason, failed.Message, job.Name, job.Namespace)
	}
	pod, err := r.finishedActionPod(ctx, job)
	if err != nil || pod == nil {
		return err
	}
	return r.recordOutputs(ctx, run, pod)
}

// finishedActionPod returns the pod whose outputs end the run, or nil while it runs. A pod that
// succeeded ends the run as soon as the pod watch reports it: the Job controller completes the
// Job a second or more later (it batches pod updates and removes its tracking finalizer first),
// and with backoffLimit 0 and one completion nothing it decides then can change the outcome.
func (r *Reconciler) finishedActionPod(ctx context.Context, job *batchv1.Job) (*corev1.Pod, error) {
	if jobCondition(job, batchv1.JobComplete) != nil {
		return r.completedJobPod(ctx, job)
	}
	return succeededPod(ctx, r.Client, job)
}

// recordOutputs reads the finished pod's outputs and validates them against the contract. A
// missing, malformed, oversized or undeclared output fails the run with OutputInvalid: a value
// is never truncated or guessed.
func (r *Reconciler) recordOutputs(ctx context.Context, run *run, pod *corev1.Pod) error {
	c, err := r.contractOf(ctx, run)
	if err != nil {
		return err
	}
	outputs, err := r.readOutputs(ctx, pod, c)
	if err != nil {
		return err
	}
	data, err := json.Marshal(outputs)
	if err != nil {
		return refuse("", executionv1alpha1.OutputInvalidReason, "the pod of Job %s succeeded but its outputs cannot be encoded: %v", run.job.Name, err)
	}
	now := metav1.NewTime(r.Clock.Now())
	run.obj.Status.Outputs = &runtime.RawExtension{Raw: data}
	run.obj.Status.CompletionTime = &now
	run.obj.Status.Phase = executionv1alpha1.PhaseSucceeded
	return nil
}

// contractOf returns the run's contract: the one this reconcile loaded, or, when the Job already
// existed, the one read again from the digest the Job runs (cached by digest in the loader).
func (r *Reconciler) contractOf(ctx context.Context, run *run) (*contract.ActionContract, error) {
	if run.contract != nil {
		return run.contract, nil
	}
	digest, err := name.NewDigest(jobImage(run.job))
	if err != nil {
		return nil, refuse("", executionv1alpha1.OutputInvalidReason,
			"Job %s does not run a digest reference (%q), so its contract cannot be read: %v", run.job.Name, jobImage(run.job), err)
	}
	contractPath := ""
	if reg, err := r.loadRegistry(ctx); err == nil {
		if entry, ok := reg.Lookup(run.obj.Spec.ActionType); ok {
			contractPath = entry.ContractPath
		}
	}
	loaded, err := r.Loader.Load(ctx, digest, contractPath)
	if err != nil {
		return nil, fmt.Errorf("loading the contract of %s to validate the outputs: %w", digest, err)
	}
	return loaded.Contract, nil
}

// jobCondition returns the Job's condition of type t when it is True.
func jobCondition(job *batchv1.Job, t batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range job.Status.Conditions {
		if c := &job.Status.Conditions[i]; c.Type == t && c.Status == corev1.ConditionTrue {
			return c
		}
	}
	return nil
}

// jobImage is the image of the Job's action container (the only container BuildJob creates).
func jobImage(job *batchv1.Job) string {
	if cs := job.Spec.Template.Spec.Containers; len(cs) > 0 {
		return cs[0].Image
	}
	return ""
}
