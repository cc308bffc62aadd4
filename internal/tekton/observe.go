package tekton

import (
	"encoding/json"
	"fmt"

	"github.com/tektoncd/pipeline/pkg/apis/pipeline"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// StepObservation is one step's status as read from the PipelineRun and its TaskRuns, in the
// fields and with the reasons the Job engine uses (workflowv1alpha1.StepStatus).
type StepObservation struct {
	// Name is the step's name.
	Name string
	// Phase is the step's phase.
	Phase workflowv1alpha1.StepPhase
	// Reason is the Job engine's reason for the same outcome (see Observe).
	Reason string
	// Message explains the reason in a sentence.
	Message string
	// Attempts counts the attempts started: 1 + the TaskRun's retries so far; 0 before the
	// TaskRun exists.
	Attempts int32
	// StartTime is when the step's TaskRun was created (its first attempt).
	StartTime *metav1.Time
	// CompletionTime is when the step's TaskRun finished; for a step that never ran, when the
	// PipelineRun finished, or nil while it runs (the caller stamps its clock).
	CompletionTime *metav1.Time
	// Outputs is the outputs object, in the Job engine's encoding; nil unless Completed.
	Outputs []byte
	// TaskRun names the step's TaskRun; empty before it exists.
	TaskRun string
}

// Exit codes of the action runtime (sdk/action) that name a reason of their own; any other
// non-zero code is a failure of the action (JobFailed), as on the Job engine.
var exitReasons = map[int32]string{
	action.ExitInputError:  executionv1alpha1.InvalidInputsReason,
	action.ExitOutputError: executionv1alpha1.OutputInvalidReason,
}

// Observe maps pr and its TaskRuns to the status of each of steps (the workflow's step names,
// in spec order). It is pure. The reasons are the Job engine's:
//   - a TaskRun that succeeded: Completed, Succeeded, with its outputs (OutputInvalid when the
//     outputs result is missing or not one JSON object);
//   - a TaskRun that failed: exit code 2 of the action step InvalidInputs, 3 OutputInvalid,
//     any other failure JobFailed with Tekton's message (pod creation, image pull, OOM, ...);
//     TaskRunTimeout DeadlineExceeded; a result over Tekton's size limit OutputInvalid;
//   - a TaskRun cancelled, or a step that never started, because the workflow was cancelled or
//     ran out of time: Cancelled with Cancelled or DeadlineExceeded;
//   - a step Tekton skipped: Skipped with UpstreamNotCompleted when a step it depends on did not
//     complete, else StepFailed (after a failure no new step starts);
//   - a step not started yet: Pending, Waiting.
func Observe(pr *pipelinev1.PipelineRun, taskRuns []pipelinev1.TaskRun, steps []string) []StepObservation {
	o := observer{
		pr:      pr,
		runs:    taskRunsByStep(pr, taskRuns),
		skipped: map[string]pipelinev1.SkippingReason{},
		deps:    dependencies(pr),
		done:    map[string]*StepObservation{},
		order:   steps,
	}
	for _, s := range pr.Status.SkippedTasks {
		o.skipped[s.Name] = s.Reason
	}
	out := make([]StepObservation, len(steps))
	for i, name := range steps {
		if tr := o.runs[name]; tr != nil {
			out[i] = observeTaskRun(pr, tr, name)
			o.done[name] = &out[i]
		}
	}
	for i, name := range steps {
		if o.done[name] == nil {
			out[i] = o.notStarted(name, map[string]bool{})
		}
	}
	return out
}

// observeTaskRun reads a step that has a TaskRun.
func observeTaskRun(pr *pipelinev1.PipelineRun, tr *pipelinev1.TaskRun, name string) StepObservation {
	obs := StepObservation{
		Name:     name,
		TaskRun:  tr.Name,
		Attempts: int32(1 + len(tr.Status.RetriesStatus)),
		// Tekton resets status.startTime on each retry; the TaskRun's creation is the first
		// attempt's start, as an ActionExecution's creation is on the Job engine.
		StartTime: tr.CreationTimestamp.DeepCopy(),
	}
	if tr.CreationTimestamp.IsZero() {
		obs.StartTime = tr.Status.StartTime.DeepCopy()
	}
	cond := tr.Status.GetCondition(apis.ConditionSucceeded)
	switch {
	case (cond == nil || cond.IsUnknown()) && pr.IsDone() && (cancelled(pr) || timedOut(pr)):
		// Tekton marks a cancelled or timed-out PipelineRun done as soon as it has asked its
		// TaskRuns to stop, before they report it. The workflow is over and is not observed
		// again, so the step is stopped now, as the Job engine stops a running step.
		obs.Phase, obs.Reason, obs.Message = stopped(pr, tr)
		obs.CompletionTime = pr.Status.CompletionTime.DeepCopy()
		return obs
	case cond == nil || cond.IsUnknown():
		obs.Phase, obs.Reason, obs.Message = workflowv1alpha1.StepRunning, workflowv1alpha1.RunningReason, runningMessage(tr, cond, obs.Attempts)
		return obs
	case cond.IsTrue():
		obs.Phase, obs.Reason = workflowv1alpha1.StepCompleted, executionv1alpha1.SucceededReason
		obs.Message = fmt.Sprintf("Attempt %d succeeded as TaskRun %s", obs.Attempts, tr.Name)
		outputs, err := outputsOf(tr)
		if err != nil {
			obs.Phase, obs.Reason, obs.Message = workflowv1alpha1.StepFailed, executionv1alpha1.OutputInvalidReason, err.Error()
		}
		obs.Outputs = outputs
	default:
		obs.Phase, obs.Reason, obs.Message = failure(pr, tr, cond)
	}
	obs.CompletionTime = tr.Status.CompletionTime.DeepCopy()
	return obs
}

// runningMessage says which attempt runs, and what Tekton reports about it (a pending pod, an
// image pull in trouble, a retry about to start).
func runningMessage(tr *pipelinev1.TaskRun, cond *apis.Condition, attempt int32) string {
	msg := fmt.Sprintf("Attempt %d runs as TaskRun %s", attempt, tr.Name)
	switch {
	case cond == nil:
	case cond.Reason == pipelinev1.TaskRunReasonToBeRetried.String():
		msg = fmt.Sprintf("Attempt %d failed (%s); attempt %d of %d starts as TaskRun %s",
			attempt-1, cond.Message, attempt, tr.Spec.Retries+1, tr.Name)
	case cond.Message != "":
		msg += fmt.Sprintf(" (%s: %s)", cond.Reason, cond.Message)
	}
	return msg
}

// failure maps a failed TaskRun to the step's phase, reason and message.
func failure(pr *pipelinev1.PipelineRun, tr *pipelinev1.TaskRun, cond *apis.Condition) (workflowv1alpha1.StepPhase, string, string) {
	tekton := fmt.Sprintf("TaskRun %s failed (%s): %s", tr.Name, cond.Reason, cond.Message)
	switch cond.Reason {
	case pipelinev1.TaskRunReasonCancelled.String():
		return stopped(pr, tr)
	case pipelinev1.TaskRunReasonTimedOut.String():
		return workflowv1alpha1.StepFailed, executionv1alpha1.DeadlineExceededReason, tekton
	case pipelinev1.TaskRunReasonResultLargerThanAllowedLimit.String():
		return workflowv1alpha1.StepFailed, executionv1alpha1.OutputInvalidReason, tekton
	}
	if reason, ok := exitReasons[actionExitCode(tr)]; ok {
		return workflowv1alpha1.StepFailed, reason, tekton
	}
	return workflowv1alpha1.StepFailed, executionv1alpha1.JobFailedReason, tekton
}

// stopped is the status of a step whose TaskRun Tekton cancelled, or is cancelling, because the
// workflow was cancelled or ran out of time.
func stopped(pr *pipelinev1.PipelineRun, tr *pipelinev1.TaskRun) (workflowv1alpha1.StepPhase, string, string) {
	if timedOut(pr) || tr.Spec.StatusMessage == pipelinev1.TaskRunCancelledByPipelineTimeoutMsg {
		return workflowv1alpha1.StepCancelled, workflowv1alpha1.DeadlineExceededReason,
			"Stopped because the workflow ran out of time; its TaskRun " + tr.Name + " was cancelled"
	}
	return workflowv1alpha1.StepCancelled, workflowv1alpha1.CancelledReason,
		"Stopped because the workflow was cancelled; its TaskRun " + tr.Name + " was cancelled"
}

// actionExitCode is the exit code of the action step's container, 0 when it did not terminate.
func actionExitCode(tr *pipelinev1.TaskRun) int32 {
	for _, s := range tr.Status.Steps {
		if s.Name == StepName && s.Terminated != nil {
			return s.Terminated.ExitCode
		}
	}
	return 0
}

// outputsOf reads the outputs result of a succeeded TaskRun in the Job engine's encoding: the
// SDK's rules for an output line (one JSON object, at most action.MaxOutputBytes, numbers
// exact), then encoded as the Job engine stores it, which also turns the SDK's \u0024 back
// into "$".
func outputsOf(tr *pipelinev1.TaskRun) ([]byte, error) {
	for _, r := range tr.Status.Results {
		if r.Name != ResultOutputs {
			continue
		}
		out, err := action.ParseOutputs([]byte(r.Value.StringVal))
		if err != nil {
			return nil, fmt.Errorf("TaskRun %s succeeded but its %s result is invalid: %w", tr.Name, ResultOutputs, err)
		}
		data, err := json.Marshal(out)
		if err != nil {
			return nil, fmt.Errorf("TaskRun %s succeeded but its outputs cannot be encoded: %w", tr.Name, err)
		}
		return data, nil
	}
	return nil, fmt.Errorf("TaskRun %s succeeded but wrote no %s result; was the image built on the Kubernaut SDK?", tr.Name, ResultOutputs)
}

// taskRunsByStep finds each step's TaskRun: by the PipelineRun's child references, else by
// Tekton's labels on a TaskRun the PipelineRun controls.
func taskRunsByStep(pr *pipelinev1.PipelineRun, taskRuns []pipelinev1.TaskRun) map[string]*pipelinev1.TaskRun {
	byName := make(map[string]*pipelinev1.TaskRun, len(taskRuns))
	for i := range taskRuns {
		byName[taskRuns[i].Name] = &taskRuns[i]
	}
	runs := map[string]*pipelinev1.TaskRun{}
	for _, ref := range pr.Status.ChildReferences {
		if tr := byName[ref.Name]; tr != nil {
			runs[ref.PipelineTaskName] = tr
		}
	}
	for i := range taskRuns {
		tr := &taskRuns[i]
		step := tr.Labels[pipeline.PipelineTaskLabelKey]
		if runs[step] == nil && step != "" && tr.Labels[pipeline.PipelineRunLabelKey] == pr.Name &&
			(pr.UID == "" || metav1.IsControlledBy(tr, pr)) {
			runs[step] = tr
		}
	}
	return runs
}
