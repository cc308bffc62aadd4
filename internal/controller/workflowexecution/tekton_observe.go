package workflowexecution

import (
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/tekton"
)

// observe copies what the TaskRuns report into the steps' status and derives the workflow's
// progress from the PipelineRun, both in the Job engine's vocabulary (internal/tekton). What the
// preparation recorded (verified digest, signer, contract) stays.
func (e *TektonEngine) observe(obj *workflowv1alpha1.WorkflowExecution, pr *pipelinev1.PipelineRun, taskRuns []pipelinev1.TaskRun, now time.Time) Progress {
	names := make([]string, len(obj.Spec.Steps))
	for i, s := range obj.Spec.Steps {
		names[i] = s.Name
	}
	observed := tekton.Observe(pr, taskRuns, names)
	for _, o := range observed {
		if st := obj.Status.StepStatus(o.Name); st != nil && !st.Phase.IsFinished() {
			applyObservation(st, o, now)
		}
	}
	out := tekton.Overall(pr, observed)
	p := Progress{Phase: out.Phase, Reason: out.Reason, Message: out.Message, FailedStep: out.FailedStep}
	if !out.Done {
		p.Message += "; PipelineRun " + pr.Name
		for _, o := range observed {
			if o.Phase == workflowv1alpha1.StepPending {
				p.Waiting++
			}
		}
	}
	return p
}

// applyObservation records one step's observation. A step that finished without a TaskRun
// (skipped, or cancelled before it started) is stamped with now.
func applyObservation(st *workflowv1alpha1.StepStatus, o tekton.StepObservation, now time.Time) {
	st.Phase, st.Reason, st.Message = o.Phase, o.Reason, o.Message
	st.Attempts = max(st.Attempts, o.Attempts)
	if o.StartTime != nil {
		st.StartTime = o.StartTime.DeepCopy()
	}
	st.CompletionTime = o.CompletionTime.DeepCopy()
	if st.Phase.IsFinished() && st.CompletionTime == nil {
		st.CompletionTime = &metav1.Time{Time: now}
	}
	if o.Outputs != nil {
		st.Outputs = &runtime.RawExtension{Raw: o.Outputs}
	}
	if o.TaskRun != "" {
		st.ChildRef = &workflowv1alpha1.ObjectReference{Kind: "TaskRun", Name: o.TaskRun}
	}
}
