package tekton

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// failingMiddleStep is a → b → c → d next to s → e: b fails while s still runs, so Tekton
// stops (no new task starts) and skips c, d and e.
func failingMiddleStep(prCond *corev1.ConditionStatus) (*pipelinev1.PipelineRun, []pipelinev1.TaskRun) {
	cond := condition(corev1.ConditionUnknown, "PipelineRunStopping", "Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 3")
	tasks := []pipelinev1.TaskRun{
		taskRun("wf-a", "a", succeeded(), withResult(`{"n":1}`)),
		taskRun("wf-b", "b", failedStep("b", 1), withExit(1)),
		taskRun("wf-s", "s", runningCond()),
	}
	if prCond != nil {
		cond = condition(*prCond, "Failed", "Tasks Completed: 3 (Failed: 1, Cancelled 0), Skipped: 3")
		tasks[2] = taskRun("wf-s", "s", succeeded(), withResult(`{}`))
	}
	pr := pipelineRunIn("wf", &cond, step("a", ""), step("b", "", "a"), step("c", "", "b"), step("d", `{"x":"$(steps.c.outputs.x)"}`),
		step("s", ""), step("e", "", "s"))
	for _, name := range []string{"c", "d", "e"} {
		pr.Status.SkippedTasks = append(pr.Status.SkippedTasks, pipelinev1.SkippedTask{Name: name, Reason: pipelinev1.StoppingSkip})
	}
	return pr, tasks
}

var allSteps = []string{"a", "b", "c", "d", "s", "e"}

func TestAFailingMiddleStepSkipsItsDependantsAndStopsTheRest(t *testing.T) {
	pr, taskRuns := failingMiddleStep(nil)
	start := metav1.NewTime(t0)
	want := []StepObservation{
		{Name: "a", Phase: workflowv1alpha1.StepCompleted, Reason: executionv1alpha1.SucceededReason, Attempts: 1, TaskRun: "wf-a",
			Message: "Attempt 1 succeeded as TaskRun wf-a", Outputs: []byte(`{"n":1}`), StartTime: &start, CompletionTime: &finished},
		{Name: "b", Phase: workflowv1alpha1.StepFailed, Reason: executionv1alpha1.JobFailedReason, Attempts: 1, TaskRun: "wf-b",
			Message: `TaskRun wf-b failed (Failed): "step-action" exited with code 1`, StartTime: &start, CompletionTime: &finished},
		{Name: "c", Phase: workflowv1alpha1.StepSkipped, Reason: workflowv1alpha1.UpstreamNotCompletedReason,
			Message: "Never started: b did not complete"},
		{Name: "d", Phase: workflowv1alpha1.StepSkipped, Reason: workflowv1alpha1.UpstreamNotCompletedReason,
			Message: "Never started: c did not complete"},
		{Name: "s", Phase: workflowv1alpha1.StepRunning, Reason: workflowv1alpha1.RunningReason, Attempts: 1, TaskRun: "wf-s",
			Message: "Attempt 1 runs as TaskRun wf-s (Running: Not all Steps in the Task have finished executing)", StartTime: &start},
		{Name: "e", Phase: workflowv1alpha1.StepSkipped, Reason: workflowv1alpha1.StepFailedReason,
			Message: "Never started: step b failed, and after a failure no new step starts"},
	}
	got := Observe(pr, taskRuns, allSteps)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Observe (-want +got):\n%s", diff)
	}
	wantOutcome := Outcome{Phase: workflowv1alpha1.WorkflowRunning, Reason: workflowv1alpha1.RunningReason,
		Message: "1/6 steps completed; running: s"}
	if diff := cmp.Diff(wantOutcome, Overall(pr, got)); diff != "" {
		t.Errorf("Overall while s runs (-want +got):\n%s", diff)
	}

	failed := corev1.ConditionFalse
	pr, taskRuns = failingMiddleStep(&failed)
	got = Observe(pr, taskRuns, allSteps)
	for _, i := range []int{2, 3, 5} {
		if got[i].Phase != workflowv1alpha1.StepSkipped || got[i].CompletionTime == nil || !got[i].CompletionTime.Equal(&finished) {
			t.Errorf("step %s: %s completed at %v, want Skipped at the PipelineRun's completion", got[i].Name, got[i].Phase, got[i].CompletionTime)
		}
	}
	wantOutcome = Outcome{Done: true, Phase: workflowv1alpha1.WorkflowFailed, Reason: workflowv1alpha1.StepFailedReason, FailedStep: "b",
		Message: `Step b failed (JobFailed): TaskRun wf-b failed (Failed): "step-action" exited with code 1`}
	if diff := cmp.Diff(wantOutcome, Overall(pr, got)); diff != "" {
		t.Errorf("Overall once done (-want +got):\n%s", diff)
	}
}

func TestStepsThatHaveNotStartedWaitForTheirUpstream(t *testing.T) {
	pr := pipelineRunIn("wf", ptrTo(runningCond()), step("a", ""), step("b", "", "a"), step("c", `{"x":"$(steps.a.outputs.x) $(steps.b.outputs.y)"}`))
	got := Observe(pr, []pipelinev1.TaskRun{taskRun("wf-a", "a", runningCond())}, []string{"a", "b", "c"})
	want := []StepObservation{
		{Name: "b", Phase: workflowv1alpha1.StepPending, Reason: workflowv1alpha1.WaitingReason, Message: "Waiting for a to complete"},
		{Name: "c", Phase: workflowv1alpha1.StepPending, Reason: workflowv1alpha1.WaitingReason, Message: "Waiting for a and b to complete"},
	}
	if diff := cmp.Diff(want, got[1:]); diff != "" {
		t.Errorf("Observe (-want +got):\n%s", diff)
	}
	if got[0].Phase != workflowv1alpha1.StepRunning {
		t.Errorf("step a is %s, want Running", got[0].Phase)
	}
	if o := Overall(pr, got); o.Done || o.Message != "0/3 steps completed; running: a" {
		t.Errorf("Overall %+v, want running with 0/3 steps completed", o)
	}
}

func TestACancelledWorkflowCancelsRunningAndWaitingSteps(t *testing.T) {
	cancelled := condition(corev1.ConditionFalse, "Cancelled", `PipelineRun "wf" was cancelled`)
	pr := pipelineRunIn("wf", &cancelled, step("a", ""), step("b", "", "a"))
	Cancel(pr)
	tr := taskRun("wf-a", "a", condition(corev1.ConditionFalse, "TaskRunCancelled", `TaskRun "wf-a" was cancelled. `),
		func(tr *pipelinev1.TaskRun) { tr.Spec.StatusMessage = pipelinev1.TaskRunCancelledByPipelineMsg })
	got := Observe(pr, []pipelinev1.TaskRun{tr}, []string{"a", "b"})
	want := []StepObservation{
		{Name: "a", Phase: workflowv1alpha1.StepCancelled, Reason: workflowv1alpha1.CancelledReason, Attempts: 1, TaskRun: "wf-a",
			Message:   "Stopped because the workflow was cancelled; its TaskRun wf-a was cancelled",
			StartTime: ptrTo(metav1.NewTime(t0)), CompletionTime: &finished},
		{Name: "b", Phase: workflowv1alpha1.StepCancelled, Reason: workflowv1alpha1.CancelledReason,
			Message: "Never started because the workflow was cancelled", CompletionTime: &finished},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Observe (-want +got):\n%s", diff)
	}
	wantOutcome := Outcome{Done: true, Phase: workflowv1alpha1.WorkflowCancelled, Reason: workflowv1alpha1.CancelledReason,
		Message: "The workflow was cancelled through spec.cancel"}
	if diff := cmp.Diff(wantOutcome, Overall(pr, got)); diff != "" {
		t.Errorf("Overall (-want +got):\n%s", diff)
	}
}

func TestAWorkflowOutOfTimeCancelsItsStepsWithDeadlineExceeded(t *testing.T) {
	timedOut := condition(corev1.ConditionFalse, "PipelineRunTimeout", `PipelineRun "wf" failed to finish within "30m0s"`)
	pr := pipelineRunIn("wf", &timedOut, step("a", ""), step("b", "", "a"))
	pr.Status.SkippedTasks = []pipelinev1.SkippedTask{{Name: "b", Reason: pipelinev1.PipelineTimedOutSkip}}
	tr := taskRun("wf-a", "a", condition(corev1.ConditionFalse, "TaskRunCancelled", "cancelled"),
		func(tr *pipelinev1.TaskRun) { tr.Spec.StatusMessage = pipelinev1.TaskRunCancelledByPipelineTimeoutMsg })
	got := Observe(pr, []pipelinev1.TaskRun{tr}, []string{"a", "b"})
	for _, obs := range got {
		if obs.Phase != workflowv1alpha1.StepCancelled || obs.Reason != workflowv1alpha1.DeadlineExceededReason {
			t.Errorf("step %s: %s/%s, want Cancelled/DeadlineExceeded", obs.Name, obs.Phase, obs.Reason)
		}
	}
	wantOutcome := Outcome{Done: true, Phase: workflowv1alpha1.WorkflowFailed, Reason: workflowv1alpha1.DeadlineExceededReason,
		Message: "The workflow did not finish within its timeout of 30m0s"}
	if diff := cmp.Diff(wantOutcome, Overall(pr, got)); diff != "" {
		t.Errorf("Overall (-want +got):\n%s", diff)
	}
}

func TestACompletedPipelineRunCompletesTheWorkflow(t *testing.T) {
	pr := pipelineRunIn("wf", ptrTo(condition(corev1.ConditionTrue, "Succeeded", "Tasks Completed: 2 (Failed: 0, Cancelled 0), Skipped: 0")),
		step("a", ""), step("b", "", "a"))
	got := Observe(pr, []pipelinev1.TaskRun{
		taskRun("wf-a", "a", succeeded(), withResult(`{}`)), taskRun("wf-b", "b", succeeded(), withResult(`{"ok":true}`)),
	}, []string{"a", "b"})
	wantOutcome := Outcome{Done: true, Phase: workflowv1alpha1.WorkflowCompleted, Reason: workflowv1alpha1.SucceededReason,
		Message: "All 2 steps completed"}
	if diff := cmp.Diff(wantOutcome, Overall(pr, got)); diff != "" {
		t.Errorf("Overall (-want +got):\n%s", diff)
	}
}

func TestTaskRunsAreMatchedByChildReferencesAndOwnership(t *testing.T) {
	pr := pipelineRunIn("wf", ptrTo(runningCond()), step("a", ""), step("b", "", "a"))
	pr.UID = "pr-uid"
	pr.Status.ChildReferences = []pipelinev1.ChildStatusReference{{Name: "wf-a-x9k2", PipelineTaskName: "a"}}
	renamed := taskRun("wf-a-x9k2", "a", runningCond(), func(tr *pipelinev1.TaskRun) { tr.Labels = nil })
	stale := taskRun("wf-b", "b", succeeded(), withResult(`{}`)) // labelled for wf but owned by an older PipelineRun
	stale.OwnerReferences = []metav1.OwnerReference{{APIVersion: "tekton.dev/v1", Kind: "PipelineRun", Name: "wf", UID: "old", Controller: ptrTo(true)}}
	got := Observe(pr, []pipelinev1.TaskRun{renamed, stale}, []string{"a", "b"})
	if got[0].TaskRun != "wf-a-x9k2" || got[0].Phase != workflowv1alpha1.StepRunning {
		t.Errorf("step a: %+v, want Running as TaskRun wf-a-x9k2", got[0])
	}
	if got[1].TaskRun != "" || got[1].Phase != workflowv1alpha1.StepPending {
		t.Errorf("step b: %+v, want Pending: the completed TaskRun belongs to another PipelineRun", got[1])
	}
}
