package tekton

import (
	"fmt"
	"slices"
	"strings"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"knative.dev/pkg/apis"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// observer holds what Observe needs to decide the steps that have no TaskRun.
type observer struct {
	pr      *pipelinev1.PipelineRun
	runs    map[string]*pipelinev1.TaskRun
	skipped map[string]pipelinev1.SkippingReason
	deps    map[string][]string
	done    map[string]*StepObservation
	order   []string
}

// notStarted decides a step without a TaskRun. Its dependencies are decided first, because a
// skipped step's reason depends on theirs; visiting guards against a cycle Tekton would have
// refused.
func (o *observer) notStarted(name string, visiting map[string]bool) StepObservation {
	if obs := o.done[name]; obs != nil {
		return *obs
	}
	visiting[name] = true
	for _, dep := range o.deps[name] {
		if !visiting[dep] && o.done[dep] == nil {
			o.notStarted(dep, visiting)
		}
	}
	obs := o.decide(name)
	if o.pr.IsDone() {
		obs.CompletionTime = o.pr.Status.CompletionTime.DeepCopy()
	}
	o.done[name] = &obs
	return obs
}

// decide is notStarted once the dependencies are decided.
func (o *observer) decide(name string) StepObservation {
	obs := StepObservation{Name: name}
	reason, skipped := o.skipped[name]
	// A step skipped after a failure stays Skipped when the workflow later times out or is
	// cancelled, as on the Job engine, which skips it when the failure happens.
	afterFailure := reason == pipelinev1.StoppingSkip || reason == pipelinev1.ParentTasksSkip ||
		reason == pipelinev1.MissingResultsSkip || reason == pipelinev1.WhenExpressionsSkip
	switch {
	case afterFailure:
		obs.Phase = workflowv1alpha1.StepSkipped
		obs.Reason, obs.Message = o.skipReason(name, reason)
	case timedOut(o.pr) || reason == pipelinev1.PipelineTimedOutSkip || reason == pipelinev1.TasksTimedOutSkip:
		obs.Phase, obs.Reason, obs.Message = workflowv1alpha1.StepCancelled, workflowv1alpha1.DeadlineExceededReason,
			"Never started because the workflow ran out of time"
	case cancelled(o.pr) || reason == pipelinev1.GracefullyCancelledSkip || reason == pipelinev1.GracefullyStoppedSkip:
		obs.Phase, obs.Reason, obs.Message = workflowv1alpha1.StepCancelled, workflowv1alpha1.CancelledReason,
			"Never started because the workflow was cancelled"
	case skipped || o.pr.IsDone():
		obs.Phase = workflowv1alpha1.StepSkipped
		obs.Reason, obs.Message = o.skipReason(name, reason)
	default:
		obs.Phase, obs.Reason = workflowv1alpha1.StepPending, workflowv1alpha1.WaitingReason
		obs.Message = "Waiting for Tekton to start it"
		if upstream := o.incomplete(name); len(upstream) > 0 {
			obs.Message = "Waiting for " + stepList(upstream) + " to complete"
		}
	}
	return obs
}

// skipReason is the Job engine's reason for a step that will never run: UpstreamNotCompleted
// when a step it depends on failed, was cancelled or was skipped for that reason (or Tekton
// says a parent was skipped or its results are missing), else StepFailed: fail fast.
func (o *observer) skipReason(name string, reason pipelinev1.SkippingReason) (string, string) {
	upstreamFailed := reason == pipelinev1.ParentTasksSkip || reason == pipelinev1.MissingResultsSkip
	for _, dep := range o.deps[name] {
		if d := o.done[dep]; d != nil && (d.Phase == workflowv1alpha1.StepFailed || d.Phase == workflowv1alpha1.StepCancelled ||
			(d.Phase == workflowv1alpha1.StepSkipped && d.Reason == workflowv1alpha1.UpstreamNotCompletedReason)) {
			upstreamFailed = true
		}
	}
	if upstreamFailed {
		return workflowv1alpha1.UpstreamNotCompletedReason, "Never started: " + stepList(o.incomplete(name)) + " did not complete"
	}
	for _, step := range o.order {
		if d := o.done[step]; d != nil && d.Phase == workflowv1alpha1.StepFailed {
			return workflowv1alpha1.StepFailedReason,
				fmt.Sprintf("Never started: step %s failed, and after a failure no new step starts", step)
		}
	}
	cond := o.pr.Status.GetCondition(apis.ConditionSucceeded)
	msg := "Never started: Tekton skipped it"
	if reason != "" {
		msg += " (" + string(reason) + ")"
	} else if cond != nil {
		msg += fmt.Sprintf(" (PipelineRun %s: %s: %s)", o.pr.Name, cond.Reason, cond.Message)
	}
	return workflowv1alpha1.StepFailedReason, msg
}

// incomplete lists the dependencies of a step that have not Completed.
func (o *observer) incomplete(name string) []string {
	var out []string
	for _, dep := range o.deps[name] {
		if d := o.done[dep]; d == nil || d.Phase != workflowv1alpha1.StepCompleted {
			out = append(out, dep)
		}
	}
	return out
}

// dependencies are each PipelineTask's direct dependencies: runAfter and the tasks whose
// results its params reference, sorted.
func dependencies(pr *pipelinev1.PipelineRun) map[string][]string {
	deps := map[string][]string{}
	if pr.Spec.PipelineSpec == nil {
		return deps
	}
	for i := range pr.Spec.PipelineSpec.Tasks {
		pt := &pr.Spec.PipelineSpec.Tasks[i]
		names := slices.Clone(pt.RunAfter)
		for _, ref := range pipelinev1.PipelineTaskResultRefs(pt) {
			names = append(names, ref.PipelineTask)
		}
		slices.Sort(names)
		deps[pt.Name] = slices.Compact(names)
	}
	return deps
}

// timedOut reports whether the PipelineRun ended because the workflow ran out of time.
func timedOut(pr *pipelinev1.PipelineRun) bool {
	cond := pr.Status.GetCondition(apis.ConditionSucceeded)
	return cond != nil && cond.Reason == pipelinev1.PipelineRunReasonTimedOut.String()
}

// cancelled reports whether the PipelineRun was cancelled (by Cancel), finished or not.
func cancelled(pr *pipelinev1.PipelineRun) bool {
	cond := pr.Status.GetCondition(apis.ConditionSucceeded)
	return pr.Spec.Status == pipelinev1.PipelineRunSpecStatusCancelled ||
		(cond != nil && cond.Reason == pipelinev1.PipelineRunReasonCancelled.String())
}

// stepList names steps for a message: "a, b and c".
func stepList(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	default:
		return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	}
}
