package actionexecution

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
)

// Event actions (events.k8s.io/v1 "action": what the controller did or failed to do).
const (
	actionVerify = "Verify"
	actionLaunch = "Launch"
	actionRun    = "Run"
	// actionPrepare: engine tekton; the run was verified and prepared for its TaskRun.
	actionPrepare = "Prepare"
)

// setCondition sets a step condition on obj, stamped with the generation it describes.
func setCondition(obj *executionv1alpha1.ActionExecution, condType string, status metav1.ConditionStatus, reason, message string) {
	apimeta.SetStatusCondition(&obj.Status.Conditions, metav1.Condition{
		Type:               condType,
		Status:             status,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: obj.Generation,
	})
}

// patchStatus is the one status write of a reconcile. It derives phase and Ready from what the
// steps decided (err), stamps observedGeneration unless the outcome is a transient error (then
// the status does not yet describe this generation), patches once and then announces the
// transitions as events, so that an event never reports a state the API does not show.
func (r *Reconciler) patchStatus(ctx context.Context, before *executionv1alpha1.ActionExecution, run *run, err error) error {
	obj := run.obj
	refused, isRefusal := asRefusal(err)
	switch {
	case isRefusal:
		r.markFailed(obj, refused)
	case err != nil:
		markRetrying(obj, err)
	default:
		markProgress(obj)
	}
	if err == nil || isRefusal {
		obj.Status.ObservedGeneration = obj.Generation
	}
	if equality.Semantic.DeepEqual(before.Status, obj.Status) {
		return nil // most reconciles of a running Job change nothing; skip the request
	}
	// An update of the status subresource carries the resourceVersion read, so a reconcile that
	// started from a stale cached copy fails with a conflict (retried) instead of overwriting what
	// a newer reconcile wrote. Not a JSON merge patch: there a null anywhere means "delete this
	// key", and outputs may hold nulls that must be stored as written.
	if perr := r.Client.Status().Update(ctx, obj, client.FieldOwner(ControllerName)); perr != nil {
		if apierrors.IsNotFound(perr) {
			return nil // deleted meanwhile: nothing left to report on
		}
		return fmt.Errorf("writing the status of ActionExecution %s/%s: %w", obj.Namespace, obj.Name, perr)
	}
	observeTransition(before, obj)
	r.announce(before, run)
	return nil
}

// markFailed records a terminal outcome: the step condition (if the refusal belongs to a step)
// and Ready carry its reason and message.
func (r *Reconciler) markFailed(obj *executionv1alpha1.ActionExecution, f *refusal) {
	if f.condition != "" {
		setCondition(obj, f.condition, metav1.ConditionFalse, f.reason, f.message)
	}
	obj.Status.Phase = executionv1alpha1.PhaseFailed
	obj.Status.Outputs = nil
	now := metav1.NewTime(r.Clock.Now())
	obj.Status.CompletionTime = &now
	setCondition(obj, executionv1alpha1.ReadyCondition, metav1.ConditionFalse, f.reason, f.message)
}

// markRetrying keeps the phase of a run that hit a transient error and says on Ready what is
// being retried; the runtime's backoff decides when.
func markRetrying(obj *executionv1alpha1.ActionExecution, err error) {
	if obj.Status.Phase == "" || obj.Status.Phase == executionv1alpha1.PhasePending {
		obj.Status.Phase = executionv1alpha1.PhaseVerifying
	}
	setCondition(obj, executionv1alpha1.ReadyCondition, metav1.ConditionUnknown, readyReasonFor(obj.Status.Phase),
		"Retrying after a transient error: "+err.Error())
}

// markProgress derives Ready from the phase the steps reached. This is the only place Ready is
// set for a run that has not failed.
func markProgress(obj *executionv1alpha1.ActionExecution) {
	switch obj.Status.Phase {
	case executionv1alpha1.PhaseSucceeded:
		setCondition(obj, executionv1alpha1.ReadyCondition, metav1.ConditionTrue, executionv1alpha1.SucceededReason,
			"The action completed and its outputs satisfy the contract")
	case executionv1alpha1.PhaseRunning:
		setCondition(obj, executionv1alpha1.ReadyCondition, metav1.ConditionUnknown, executionv1alpha1.RunningReason,
			fmt.Sprintf("Job %s is running", obj.Status.JobRef.Name))
	case executionv1alpha1.PhasePrepared:
		setCondition(obj, executionv1alpha1.ReadyCondition, metav1.ConditionTrue, executionv1alpha1.PreparedReason,
			fmt.Sprintf("Prepared %s: every check before launch passed; a Tekton TaskRun runs it", obj.Status.Prepared.Image))
	default:
		obj.Status.Phase = executionv1alpha1.PhaseVerifying
		setCondition(obj, executionv1alpha1.ReadyCondition, metav1.ConditionUnknown, executionv1alpha1.VerifyingReason,
			"Checking the signature, the contract and the inputs")
	}
}

// readyReasonFor is the in-progress Ready reason of a phase.
func readyReasonFor(phase executionv1alpha1.ActionExecutionPhase) string {
	if phase == executionv1alpha1.PhaseRunning {
		return executionv1alpha1.RunningReason
	}
	return executionv1alpha1.VerifyingReason
}

// announce emits one event per transition the patch recorded: the warnings of warn and disabled
// verification (once, when Verified first took that state), the Job's creation, and the outcome
// (Succeeded, Failed or, with engine tekton, Prepared).
// Comparing with the status before the reconcile keeps repeated reconciles from repeating events.
func (r *Reconciler) announce(before *executionv1alpha1.ActionExecution, run *run) {
	obj := run.obj
	if r.Recorder == nil {
		return
	}
	if changed(before, obj, executionv1alpha1.VerifiedCondition) {
		for _, w := range run.warnings {
			r.Recorder.Eventf(obj, nil, corev1.EventTypeWarning, w.reason, actionVerify, "%s", w.message)
		}
	}
	if changed(before, obj, executionv1alpha1.JobCreatedCondition) && obj.Status.JobRef != nil &&
		apimeta.IsStatusConditionTrue(obj.Status.Conditions, executionv1alpha1.JobCreatedCondition) {
		r.Recorder.Eventf(obj, run.job, corev1.EventTypeNormal, executionv1alpha1.RunningReason, actionLaunch,
			"Created Job %s running %s", obj.Status.JobRef.Name, jobImage(run.job))
	}
	if before.Status.Phase == obj.Status.Phase {
		return
	}
	ready := apimeta.FindStatusCondition(obj.Status.Conditions, executionv1alpha1.ReadyCondition)
	switch obj.Status.Phase {
	case executionv1alpha1.PhaseFailed:
		r.Recorder.Eventf(obj, nil, corev1.EventTypeWarning, ready.Reason, actionRun, "%s", ready.Message)
	case executionv1alpha1.PhaseSucceeded:
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, ready.Reason, actionRun, "%s", ready.Message)
	case executionv1alpha1.PhasePrepared:
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, ready.Reason, actionPrepare, "%s", ready.Message)
	}
}

// changed reports whether condition condType differs in status or reason between two versions.
func changed(before, after *executionv1alpha1.ActionExecution, condType string) bool {
	b := apimeta.FindStatusCondition(before.Status.Conditions, condType)
	a := apimeta.FindStatusCondition(after.Status.Conditions, condType)
	switch {
	case a == nil:
		return false
	case b == nil:
		return true
	default:
		return a.Status != b.Status || a.Reason != b.Reason
	}
}
