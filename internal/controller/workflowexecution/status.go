package workflowexecution

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// setCondition sets a condition on obj, stamped with the generation it describes.
func setCondition(obj *workflowv1alpha1.WorkflowExecution, condType string, status metav1.ConditionStatus, reason, message string) {
	apimeta.SetStatusCondition(&obj.Status.Conditions, metav1.Condition{
		Type:               condType,
		Status:             status,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: obj.Generation,
	})
}

// patchStatus is the one status write of a reconcile. It derives the phase and Ready from what
// the steps decided (err and the engine's progress), stamps observedGeneration unless the outcome
// is a transient error (then the status does not yet describe this generation), patches once,
// and only then records metrics and emits events, so that neither reports a state the API does
// not show.
func (r *Reconciler) patchStatus(ctx context.Context, before *workflowv1alpha1.WorkflowExecution, run *run, err error) error {
	obj := run.obj
	failed, isTerminal := asTerminal(err)
	switch {
	case before.Status.Phase.IsFinished():
		// A finished workflow never changes again; only its workspace condition may.
	case isTerminal:
		r.markFailed(obj, failed)
	case err != nil:
		markRetrying(obj, err)
	default:
		r.markProgress(obj, run.progress)
	}
	obj.Status.Progress = progressOf(obj)
	if err == nil || isTerminal {
		obj.Status.ObservedGeneration = obj.Generation
	}
	if equality.Semantic.DeepEqual(before.Status, obj.Status) {
		return nil // a reconcile woken by a child that did not finish changes nothing
	}
	// An update of the status subresource carries the resourceVersion read, so a reconcile that
	// started from a stale cached copy fails with a conflict (retried) instead of overwriting what
	// a newer reconcile wrote. Not a JSON merge patch: there a null anywhere means "delete this
	// key", and outputs may hold nulls that must be stored as written.
	if perr := r.Client.Status().Update(ctx, obj, client.FieldOwner(ControllerName)); perr != nil {
		if apierrors.IsNotFound(perr) {
			return nil // deleted meanwhile: nothing left to report on
		}
		return fmt.Errorf("writing the status of WorkflowExecution %s/%s: %w", obj.Namespace, obj.Name, perr)
	}
	if obj.Status.Phase.IsFinished() {
		r.superseded.forget(client.ObjectKeyFromObject(obj))
	} else {
		r.superseded.record(client.ObjectKeyFromObject(obj), before.ResourceVersion)
	}
	if run.progress != nil && !obj.Status.Phase.IsFinished() {
		queueDepth.set(client.ObjectKeyFromObject(obj), run.progress.Waiting)
	}
	observeTransition(before, obj)
	r.announce(before, obj)
	return nil
}

// markFailed records a terminal outcome before or instead of the engine's: the step condition
// and Ready carry its reason and message.
func (r *Reconciler) markFailed(obj *workflowv1alpha1.WorkflowExecution, t *terminal) {
	setCondition(obj, t.condition, metav1.ConditionFalse, t.reason, t.message)
	obj.Status.Phase = workflowv1alpha1.WorkflowFailed
	now := metav1.NewTime(r.Clock.Now())
	obj.Status.CompletionTime = &now
	setCondition(obj, workflowv1alpha1.ReadyCondition, metav1.ConditionFalse, t.reason, t.message)
	queueDepth.forget(client.ObjectKeyFromObject(obj))
}

// markRetrying keeps the phase of a workflow that hit a transient error and says on Ready what
// is being retried; the runtime's backoff decides when.
func markRetrying(obj *workflowv1alpha1.WorkflowExecution, err error) {
	if obj.Status.Phase == "" {
		obj.Status.Phase = workflowv1alpha1.WorkflowPending
	}
	setCondition(obj, workflowv1alpha1.ReadyCondition, metav1.ConditionUnknown, readyReasonFor(obj.Status.Phase),
		"Retrying after a transient error: "+err.Error())
}

// readyReasonFor is the in-progress Ready reason of a phase.
func readyReasonFor(phase workflowv1alpha1.WorkflowPhase) string {
	if phase == workflowv1alpha1.WorkflowRunning {
		return workflowv1alpha1.RunningReason
	}
	return workflowv1alpha1.PendingReason
}

// markProgress derives the phase and Ready from the engine's progress. This is the only place
// Ready is set for a workflow that did not fail before its engine ran.
func (r *Reconciler) markProgress(obj *workflowv1alpha1.WorkflowExecution, p *Progress) {
	if p == nil {
		return
	}
	obj.Status.Phase = p.Phase
	obj.Status.FailedStep = p.FailedStep
	switch p.Phase {
	case workflowv1alpha1.WorkflowCompleted:
		setCondition(obj, workflowv1alpha1.ReadyCondition, metav1.ConditionTrue, p.Reason, p.Message)
	case workflowv1alpha1.WorkflowFailed, workflowv1alpha1.WorkflowCancelled:
		setCondition(obj, workflowv1alpha1.ReadyCondition, metav1.ConditionFalse, p.Reason, p.Message)
	default:
		setCondition(obj, workflowv1alpha1.ReadyCondition, metav1.ConditionUnknown, p.Reason, p.Message)
	}
	if p.Phase.IsFinished() && obj.Status.CompletionTime == nil {
		now := metav1.NewTime(r.Clock.Now())
		obj.Status.CompletionTime = &now
		queueDepth.forget(client.ObjectKeyFromObject(obj))
	}
}

// progressOf is "<completed steps>/<all steps>", for the Steps column of kubectl get.
func progressOf(obj *workflowv1alpha1.WorkflowExecution) string {
	done := 0
	for _, st := range obj.Status.Steps {
		if st.Phase == workflowv1alpha1.StepCompleted {
			done++
		}
	}
	return fmt.Sprintf("%d/%d", done, len(obj.Spec.Steps))
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
