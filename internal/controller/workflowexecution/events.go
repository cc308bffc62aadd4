package workflowexecution

import (
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// Event reasons for the transitions that have no API reason of their own. Workflow outcomes use
// the Ready reason (Succeeded, StepFailed, DeadlineExceeded, Cancelled, InvalidDependencyGraph...).
const (
	startedEventReason           = "Started"
	stepStartedEventReason       = "StepStarted"
	stepCompletedEventReason     = "StepCompleted"
	stepFailedEventReason        = "StepFailed"
	stepSkippedEventReason       = "StepSkipped"
	stepCancelledEventReason     = "StepCancelled"
	workspaceCreatedEventReason  = "WorkspaceCreated"
	workspaceReleasedEventReason = workflowv1alpha1.WorkspaceReleasedReason
)

// Event actions (events.k8s.io/v1 "action": what the controller did).
const (
	actionRun       = "Run"
	actionStartStep = "StartStep"
	actionStep      = "Step"
	actionWorkspace = "Workspace"
)

// announce emits one event per transition the status patch recorded: the workflow starting and
// finishing, each step starting an attempt, finishing, waiting for a retry, being skipped or
// cancelled, and the workspace being created and released. Comparing with the status before the
// reconcile keeps repeated reconciles from repeating events.
func (r *Reconciler) announce(before, obj *workflowv1alpha1.WorkflowExecution) {
	if r.Recorder == nil {
		return
	}
	r.announceWorkflow(before, obj)
	for i := range obj.Status.Steps {
		r.announceStep(obj, before.Status.StepStatus(obj.Status.Steps[i].Name), &obj.Status.Steps[i])
	}
	r.announceWorkspace(before, obj)
}

// announceWorkflow reports the workflow's start and its outcome.
func (r *Reconciler) announceWorkflow(before, obj *workflowv1alpha1.WorkflowExecution) {
	if before.Status.Phase == obj.Status.Phase {
		return
	}
	ready := apimeta.FindStatusCondition(obj.Status.Conditions, workflowv1alpha1.ReadyCondition)
	switch obj.Status.Phase {
	case workflowv1alpha1.WorkflowRunning:
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, startedEventReason, actionRun,
			"Started %d steps on the %s engine", len(obj.Spec.Steps), obj.Status.Engine)
	case workflowv1alpha1.WorkflowCompleted, workflowv1alpha1.WorkflowCancelled:
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, ready.Reason, actionRun, "%s", ready.Message)
	case workflowv1alpha1.WorkflowFailed:
		r.Recorder.Eventf(obj, nil, corev1.EventTypeWarning, ready.Reason, actionRun, "%s", ready.Message)
	}
}

// announceStep reports one step's transition; before is nil for a step listed for the first time.
func (r *Reconciler) announceStep(obj *workflowv1alpha1.WorkflowExecution, before, st *workflowv1alpha1.StepStatus) {
	var was workflowv1alpha1.StepStatus
	if before != nil {
		was = *before
	}
	if st.Attempts > was.Attempts && st.ChildRef != nil {
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, stepStartedEventReason, actionStartStep,
			"Step %s attempt %d started as %s %s", st.Name, st.Attempts, st.ChildRef.Kind, st.ChildRef.Name)
	}
	if st.Phase == was.Phase && st.RetryTime.Equal(was.RetryTime) {
		return
	}
	switch st.Phase {
	case workflowv1alpha1.StepCompleted:
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, stepCompletedEventReason, actionStep,
			"Step %s completed after %d attempt(s)", st.Name, st.Attempts)
	case workflowv1alpha1.StepFailed:
		r.Recorder.Eventf(obj, nil, corev1.EventTypeWarning, stepFailedEventReason, actionStep,
			"Step %s failed (%s): %s", st.Name, st.Reason, st.Message)
	case workflowv1alpha1.StepSkipped:
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, stepSkippedEventReason, actionStep,
			"Step %s skipped: %s", st.Name, st.Message)
	case workflowv1alpha1.StepCancelled:
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, stepCancelledEventReason, actionStep,
			"Step %s cancelled: %s", st.Name, st.Message)
	case workflowv1alpha1.StepPending:
		if st.RetryTime != nil {
			r.Recorder.Eventf(obj, nil, corev1.EventTypeWarning, workflowv1alpha1.RetryBackoffReason, actionStep,
				"Step %s: %s", st.Name, st.Message)
		}
	}
}

// announceWorkspace reports the workspace's creation and release.
func (r *Reconciler) announceWorkspace(before, obj *workflowv1alpha1.WorkflowExecution) {
	b := apimeta.FindStatusCondition(before.Status.Conditions, workflowv1alpha1.WorkspaceReadyCondition)
	a := apimeta.FindStatusCondition(obj.Status.Conditions, workflowv1alpha1.WorkspaceReadyCondition)
	if a == nil || (b != nil && b.Status == a.Status) {
		return
	}
	reason := workspaceCreatedEventReason
	if a.Reason == workflowv1alpha1.WorkspaceReleasedReason {
		reason = workspaceReleasedEventReason
	}
	r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, reason, actionWorkspace, "%s", a.Message)
}
