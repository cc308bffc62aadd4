package tekton

import (
	"strconv"
	"time"

	"github.com/tektoncd/pipeline/pkg/apis/pipeline"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
)

// Times of the test runs: created at t0, started a second later, finished at t0+10s.
var (
	t0       = time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)
	started  = metav1.NewTime(t0.Add(time.Second))
	finished = metav1.NewTime(t0.Add(10 * time.Second))
)

// condition is a Succeeded condition as Tekton's reconcilers write it.
func condition(status corev1.ConditionStatus, reason, message string) apis.Condition {
	return apis.Condition{Type: apis.ConditionSucceeded, Status: status, Reason: reason, Message: message}
}

func succeeded() apis.Condition {
	return condition(corev1.ConditionTrue, "Succeeded", "All Steps have completed executing")
}

func runningCond() apis.Condition {
	return condition(corev1.ConditionUnknown, "Running", "Not all Steps in the Task have finished executing")
}

// failedStep is a TaskRun that failed because the action step exited with code.
func failedStep(name string, code int32) apis.Condition {
	return condition(corev1.ConditionFalse, "Failed", `"step-action" exited with code `+strconv.Itoa(int(code)))
}

// taskRun is the TaskRun of step as Tekton creates it for PipelineRun prName-..., with cond as
// its Succeeded condition.
func taskRun(name, step string, cond apis.Condition, mods ...func(*pipelinev1.TaskRun)) pipelinev1.TaskRun {
	tr := pipelinev1.TaskRun{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "payments", CreationTimestamp: metav1.NewTime(t0),
			Labels: map[string]string{pipeline.PipelineTaskLabelKey: step, pipeline.PipelineRunLabelKey: prefix(name)},
		},
		Status: pipelinev1.TaskRunStatus{
			Status: duckv1.Status{Conditions: duckv1.Conditions{cond}},
			TaskRunStatusFields: pipelinev1.TaskRunStatusFields{
				PodName: name + "-pod", StartTime: started.DeepCopy(),
			},
		},
	}
	if !cond.IsUnknown() {
		tr.Status.CompletionTime = finished.DeepCopy()
	}
	for _, m := range mods {
		m(&tr)
	}
	return tr
}

// prefix is the PipelineRun name of a TaskRun named "<pipelinerun>-<step>" in these tests.
func prefix(taskRun string) string {
	for i := range taskRun {
		if taskRun[i] == '-' {
			return taskRun[:i]
		}
	}
	return taskRun
}

// withResult sets the outputs result as the entrypoint reports it.
func withResult(value string) func(*pipelinev1.TaskRun) {
	return func(tr *pipelinev1.TaskRun) {
		tr.Status.Results = []pipelinev1.TaskRunResult{{Name: ResultOutputs, Type: pipelinev1.ResultsTypeString,
			Value: *pipelinev1.NewStructuredValues(value)}}
	}
}

// withExit records the action step's container as terminated with code.
func withExit(code int32) func(*pipelinev1.TaskRun) {
	return func(tr *pipelinev1.TaskRun) {
		tr.Status.Steps = []pipelinev1.StepState{{Name: StepName, Container: "step-" + StepName,
			ContainerState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: "Error"}}}}
	}
}

// withRetries records n failed attempts, as retryTaskRun archives them.
func withRetries(n int) func(*pipelinev1.TaskRun) {
	return func(tr *pipelinev1.TaskRun) {
		tr.Spec.Retries = 2
		for range n {
			tr.Status.RetriesStatus = append(tr.Status.RetriesStatus, pipelinev1.TaskRunStatus{
				Status: duckv1.Status{Conditions: duckv1.Conditions{failedStep("", 1)}},
			})
		}
	}
}

// pipelineRun is the PipelineRun for workflow name in state cond, built by PipelineRun from
// steps so that its dependencies are the real ones.
func pipelineRunIn(name string, cond *apis.Condition, steps ...Step) *pipelinev1.PipelineRun {
	pr, err := PipelineRun(workflow(name, steps...))
	if err != nil {
		panic(err)
	}
	if cond != nil {
		pr.Status.SetCondition(cond)
		if !cond.IsUnknown() {
			pr.Status.CompletionTime = finished.DeepCopy()
		}
	}
	return pr
}

// runningRun is a running PipelineRun of one step named a.
func runningRun(name string) *pipelinev1.PipelineRun {
	c := condition(corev1.ConditionUnknown, "Running", "Tasks Completed: 0 (Failed: 0, Cancelled 0), Skipped: 0")
	return pipelineRunIn(name, &c, step("a", ""))
}
