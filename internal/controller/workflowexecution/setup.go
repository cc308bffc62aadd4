package workflowexecution

import (
	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// ReconcilerOptions tune how the controller runs.
type ReconcilerOptions struct {
	// MaxConcurrentReconciles is how many WorkflowExecutions are reconciled at once (default 1).
	// One workflow is never reconciled by two workers at once.
	MaxConcurrentReconciles int
}

// SetupWithManager registers the reconciler. It watches WorkflowExecutions (a new generation is
// a new workflow or spec.cancel; an annotation change asks for a reconcile, as Flux's
// reconcile.fluxcd.io/requestedAt does), the ActionExecutions they own (a child's status change
// is what moves a workflow forward) and their workspace claims. Status writes, its own included,
// do not wake it: they carry nothing it has not decided itself.
//
// The creation of a child does not wake it either: only this controller creates children, and
// the reconcile that created one recorded it. Waking up for it would mostly read the workflow
// from a cache that has not seen that reconcile's status write yet, and fail the write with a
// conflict. After a restart every workflow is reconciled anyway, from its own creation event.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, opts ReconcilerOptions) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named(ControllerName).
		For(&workflowv1alpha1.WorkflowExecution{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Owns(&executionv1alpha1.ActionExecution{}, builder.WithPredicates(ignoreCreation)).
		Owns(&corev1.PersistentVolumeClaim{}, builder.WithPredicates(ignoreCreation)).
		WithOptions(controller.Options{MaxConcurrentReconciles: opts.MaxConcurrentReconciles}).
		Complete(r)
}

// ignoreCreation drops creation events and keeps updates and deletions.
var ignoreCreation = predicate.Funcs{CreateFunc: func(event.CreateEvent) bool { return false }}
