package tekton

import (
	"fmt"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"knative.dev/pkg/apis"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// Outcome is the workflow's phase and Ready reason as read from the PipelineRun, in the Job
// engine's vocabulary and messages.
type Outcome struct {
	// Done is true once the PipelineRun finished: nothing of the workflow runs any more.
	Done bool
	// Phase is Running until Done, then Completed, Failed or Cancelled.
	Phase workflowv1alpha1.WorkflowPhase
	// Reason is Running, Succeeded, StepFailed, DeadlineExceeded or Cancelled.
	Reason string
	// Message explains the reason in a sentence.
	Message string
	// FailedStep names the first failed step in spec order, when Reason is StepFailed.
	FailedStep string
}

// Overall reads the workflow's outcome from pr and the steps Observe returned for it. The
// precedence is the Job engine's: a cancelled workflow is Cancelled and one that ran out of
// time Failed with DeadlineExceeded, whatever its steps did; otherwise a failed step fails the
// workflow with StepFailed; a PipelineRun that failed with no step to blame (Tekton refused
// it) fails with StepFailed and Tekton's message.
func Overall(pr *pipelinev1.PipelineRun, steps []StepObservation) Outcome {
	if !pr.IsDone() {
		return Outcome{Phase: workflowv1alpha1.WorkflowRunning, Reason: workflowv1alpha1.RunningReason, Message: running(steps)}
	}
	out := Outcome{Done: true}
	cond := pr.Status.GetCondition(apis.ConditionSucceeded)
	failed := firstFailed(steps)
	switch {
	case cancelled(pr):
		out.Phase, out.Reason = workflowv1alpha1.WorkflowCancelled, workflowv1alpha1.CancelledReason
		out.Message = "The workflow was cancelled through spec.cancel"
	case timedOut(pr):
		out.Phase, out.Reason = workflowv1alpha1.WorkflowFailed, workflowv1alpha1.DeadlineExceededReason
		out.Message = "The workflow did not finish within its timeout"
		if t := pr.Spec.Timeouts; t != nil && t.Pipeline != nil {
			out.Message += " of " + t.Pipeline.Duration.String()
		}
	case failed != nil:
		out.Phase, out.Reason, out.FailedStep = workflowv1alpha1.WorkflowFailed, workflowv1alpha1.StepFailedReason, failed.Name
		out.Message = fmt.Sprintf("Step %s failed (%s): %s", failed.Name, failed.Reason, failed.Message)
	case cond.IsTrue() && completed(steps) == len(steps):
		out.Phase, out.Reason = workflowv1alpha1.WorkflowCompleted, workflowv1alpha1.SucceededReason
		out.Message = fmt.Sprintf("All %d steps completed", len(steps))
	default:
		out.Phase, out.Reason = workflowv1alpha1.WorkflowFailed, workflowv1alpha1.StepFailedReason
		out.Message = fmt.Sprintf("PipelineRun %s ended (%s): %s", pr.Name, cond.Reason, cond.Message)
	}
	return out
}

// running says how far a running workflow is, as the Job engine does: "2/5 steps completed;
// running: a, b".
func running(steps []StepObservation) string {
	var names []string
	for _, s := range steps {
		if s.Phase == workflowv1alpha1.StepRunning {
			names = append(names, s.Name)
		}
	}
	msg := fmt.Sprintf("%d/%d steps completed", completed(steps), len(steps))
	if len(names) > 0 {
		msg += "; running: " + stepList(names)
	}
	return msg
}

func completed(steps []StepObservation) int {
	n := 0
	for _, s := range steps {
		if s.Phase == workflowv1alpha1.StepCompleted {
			n++
		}
	}
	return n
}

func firstFailed(steps []StepObservation) *StepObservation {
	for i := range steps {
		if steps[i].Phase == workflowv1alpha1.StepFailed {
			return &steps[i]
		}
	}
	return nil
}
