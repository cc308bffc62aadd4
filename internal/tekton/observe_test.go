package tekton

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"knative.dev/pkg/apis"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// TestObserveMapsOneTaskRunToTheJobEnginesReasons covers every outcome of one step's TaskRun,
// written as Tekton v1.15.1's reconcilers write it.
// oneTaskRunCase is a PipelineRun state, the TaskRun of its one step a, and what Observe says.
type oneTaskRunCase struct {
	name    string
	prCond  apis.Condition
	tr      pipelinev1.TaskRun
	want    StepObservation
	outputs string
}

func oneTaskRunCases() []oneTaskRunCase {
	running := condition(corev1.ConditionUnknown, "Running", "")
	timedOutPR := condition(corev1.ConditionFalse, "PipelineRunTimeout", `PipelineRun "wf" failed to finish within "30m0s"`)
	cancelledPR := condition(corev1.ConditionFalse, "Cancelled", `PipelineRun "wf" was cancelled`)
	return []oneTaskRunCase{
		{"a succeeded TaskRun completes the step with its outputs", running,
			taskRun("wf-a", "a", succeeded(), withResult(`{"commit":"abc","cost":"\u00245"}`+"\n")),
			StepObservation{Phase: workflowv1alpha1.StepCompleted, Reason: executionv1alpha1.SucceededReason,
				Message: "Attempt 1 succeeded as TaskRun wf-a"}, `{"commit":"abc","cost":"$5"}`},
		{"a succeeded TaskRun without the outputs result has invalid outputs", running,
			taskRun("wf-a", "a", succeeded()),
			StepObservation{Phase: workflowv1alpha1.StepFailed, Reason: executionv1alpha1.OutputInvalidReason,
				Message: "TaskRun wf-a succeeded but wrote no outputs result; was the image built on the Kubernaut SDK?"}, ""},
		{"an outputs result that is no JSON object is invalid outputs", running,
			taskRun("wf-a", "a", succeeded(), withResult(`[1]`)),
			StepObservation{Phase: workflowv1alpha1.StepFailed, Reason: executionv1alpha1.OutputInvalidReason,
				Message: "TaskRun wf-a succeeded but its outputs result is invalid: last line is not a JSON object: want a JSON object, got an array (line starts \"[1]\")"}, ""},
		{"the action failing with exit code 1 is JobFailed", running,
			taskRun("wf-a", "a", failedStep("a", 1), withExit(1)),
			StepObservation{Phase: workflowv1alpha1.StepFailed, Reason: executionv1alpha1.JobFailedReason,
				Message: `TaskRun wf-a failed (Failed): "step-action" exited with code 1`}, ""},
		{"exit code 2 of the action runtime is InvalidInputs", running,
			taskRun("wf-a", "a", failedStep("a", 2), withExit(2)),
			StepObservation{Phase: workflowv1alpha1.StepFailed, Reason: executionv1alpha1.InvalidInputsReason,
				Message: `TaskRun wf-a failed (Failed): "step-action" exited with code 2`}, ""},
		{"exit code 3 of the action runtime is OutputInvalid", running,
			taskRun("wf-a", "a", failedStep("a", 3), withExit(3)),
			StepObservation{Phase: workflowv1alpha1.StepFailed, Reason: executionv1alpha1.OutputInvalidReason,
				Message: `TaskRun wf-a failed (Failed): "step-action" exited with code 3`}, ""},
		{"a TaskRun over its timeout is DeadlineExceeded", running,
			taskRun("wf-a", "a", condition(corev1.ConditionFalse, "TaskRunTimeout", `TaskRun "wf-a" failed to finish within "5m0s"`)),
			StepObservation{Phase: workflowv1alpha1.StepFailed, Reason: executionv1alpha1.DeadlineExceededReason,
				Message: `TaskRun wf-a failed (TaskRunTimeout): TaskRun "wf-a" failed to finish within "5m0s"`}, ""},
		{"a pod Tekton cannot create is JobFailed with Tekton's message", running,
			taskRun("wf-a", "a", condition(corev1.ConditionFalse, "PodCreationFailed", `failed to create task run pod "wf-a": quota exceeded`)),
			StepObservation{Phase: workflowv1alpha1.StepFailed, Reason: executionv1alpha1.JobFailedReason,
				Message: `TaskRun wf-a failed (PodCreationFailed): failed to create task run pod "wf-a": quota exceeded`}, ""},
		{"an image that cannot be pulled is JobFailed", running,
			taskRun("wf-a", "a", condition(corev1.ConditionFalse, "TaskRunImagePullFailed", `the step "action" in TaskRun "wf-a" failed to pull the image`)),
			StepObservation{Phase: workflowv1alpha1.StepFailed, Reason: executionv1alpha1.JobFailedReason,
				Message: `TaskRun wf-a failed (TaskRunImagePullFailed): the step "action" in TaskRun "wf-a" failed to pull the image`}, ""},
		{"outputs over Tekton's result limit are OutputInvalid", running,
			taskRun("wf-a", "a", condition(corev1.ConditionFalse, "TaskRunResultLargerThanAllowedLimit", "too large")),
			StepObservation{Phase: workflowv1alpha1.StepFailed, Reason: executionv1alpha1.OutputInvalidReason,
				Message: "TaskRun wf-a failed (TaskRunResultLargerThanAllowedLimit): too large"}, ""},
		{"a TaskRun the cancelled PipelineRun stopped is Cancelled", cancelledPR,
			taskRun("wf-a", "a", condition(corev1.ConditionFalse, "TaskRunCancelled", `TaskRun "wf-a" was cancelled. `+string(pipelinev1.TaskRunCancelledByPipelineMsg)),
				func(tr *pipelinev1.TaskRun) { tr.Spec.StatusMessage = pipelinev1.TaskRunCancelledByPipelineMsg }),
			StepObservation{Phase: workflowv1alpha1.StepCancelled, Reason: workflowv1alpha1.CancelledReason,
				Message: "Stopped because the workflow was cancelled; its TaskRun wf-a was cancelled"}, ""},
		{"a TaskRun stopped by the workflow's timeout is Cancelled with DeadlineExceeded", running,
			taskRun("wf-a", "a", condition(corev1.ConditionFalse, "TaskRunCancelled", "cancelled"),
				func(tr *pipelinev1.TaskRun) { tr.Spec.StatusMessage = pipelinev1.TaskRunCancelledByPipelineTimeoutMsg }),
			StepObservation{Phase: workflowv1alpha1.StepCancelled, Reason: workflowv1alpha1.DeadlineExceededReason,
				Message: "Stopped because the workflow ran out of time; its TaskRun wf-a was cancelled"}, ""},
		// Tekton marks a PipelineRun cancelled (or timed out) as soon as it has asked its TaskRuns
		// to stop; the parity e2e test saw a workflow end Cancelled with this step still Running.
		{"a TaskRun still running when Tekton marked the PipelineRun cancelled is Cancelled", cancelledPR,
			taskRun("wf-a", "a", runningCond()),
			StepObservation{Phase: workflowv1alpha1.StepCancelled, Reason: workflowv1alpha1.CancelledReason,
				Message: "Stopped because the workflow was cancelled; its TaskRun wf-a was cancelled"}, ""},
		{"a TaskRun still running when the PipelineRun timed out is Cancelled with DeadlineExceeded", timedOutPR,
			taskRun("wf-a", "a", runningCond()),
			StepObservation{Phase: workflowv1alpha1.StepCancelled, Reason: workflowv1alpha1.DeadlineExceededReason,
				Message: "Stopped because the workflow ran out of time; its TaskRun wf-a was cancelled"}, ""},
		{"a cancelled TaskRun of a timed-out PipelineRun is DeadlineExceeded", timedOutPR,
			taskRun("wf-a", "a", condition(corev1.ConditionFalse, "TaskRunCancelled", "cancelled")),
			StepObservation{Phase: workflowv1alpha1.StepCancelled, Reason: workflowv1alpha1.DeadlineExceededReason,
				Message: "Stopped because the workflow ran out of time; its TaskRun wf-a was cancelled"}, ""},
	}
}

func TestObserveMapsOneTaskRunToTheJobEnginesReasons(t *testing.T) {
	for _, tt := range oneTaskRunCases() {
		t.Run(tt.name, func(t *testing.T) {
			pr := pipelineRunIn("wf", &tt.prCond, step("a", ""))
			got := Observe(pr, []pipelinev1.TaskRun{tt.tr}, []string{"a"})
			want := tt.want
			want.Name, want.TaskRun, want.Attempts = "a", "wf-a", 1
			want.StartTime, want.CompletionTime = tt.tr.CreationTimestamp.DeepCopy(), finished.DeepCopy()
			if tt.outputs != "" {
				want.Outputs = []byte(tt.outputs)
			}
			if diff := cmp.Diff([]StepObservation{want}, got); diff != "" {
				t.Errorf("Observe (-want +got):\n%s", diff)
			}
		})
	}
}

func TestObserveCountsAttemptsAcrossTektonRetries(t *testing.T) {
	pr := pipelineRunIn("wf", ptrTo(runningCond()), step("a", ""))
	tests := []struct {
		name string
		tr   pipelinev1.TaskRun
		want StepObservation
	}{
		{"the first attempt runs", taskRun("wf-a", "a", runningCond()),
			StepObservation{Phase: workflowv1alpha1.StepRunning, Reason: workflowv1alpha1.RunningReason, Attempts: 1,
				Message: "Attempt 1 runs as TaskRun wf-a (Running: Not all Steps in the Task have finished executing)"}},
		{"a failed attempt about to be retried says so", taskRun("wf-a", "a",
			condition(corev1.ConditionUnknown, "ToBeRetried", `"step-action" exited with code 1`), withRetries(1)),
			StepObservation{Phase: workflowv1alpha1.StepRunning, Reason: workflowv1alpha1.RunningReason, Attempts: 2,
				Message: `Attempt 1 failed ("step-action" exited with code 1); attempt 2 of 3 starts as TaskRun wf-a`}},
		{"the retry that succeeds completes the step on attempt 3", taskRun("wf-a", "a", succeeded(), withRetries(2), withResult(`{}`)),
			StepObservation{Phase: workflowv1alpha1.StepCompleted, Reason: executionv1alpha1.SucceededReason, Attempts: 3,
				Message: "Attempt 3 succeeded as TaskRun wf-a", Outputs: []byte(`{}`), CompletionTime: finished.DeepCopy()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			want.Name, want.TaskRun, want.StartTime = "a", "wf-a", tt.tr.CreationTimestamp.DeepCopy()
			if diff := cmp.Diff([]StepObservation{want}, Observe(pr, []pipelinev1.TaskRun{tt.tr}, []string{"a"})); diff != "" {
				t.Errorf("Observe (-want +got):\n%s", diff)
			}
		})
	}
}

func ptrTo[T any](v T) *T { return &v }
