package workflowexecution

import (
	"context"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// ReconcilerOptions tune how the controller runs.
type ReconcilerOptions struct {
	// MaxConcurrentReconciles is how many WorkflowExecutions are reconciled at once (default 1).
	// One workflow is never reconciled by two workers at once.
	MaxConcurrentReconciles int
	// WatchTekton watches the PipelineRuns and TaskRuns of the Tekton engine. Set it only when
	// the Tekton CRDs are installed: a watch of an unknown kind fails the manager's start.
	WatchTekton bool
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
	b := ctrl.NewControllerManagedBy(mgr).
		Named(ControllerName).
		For(&workflowv1alpha1.WorkflowExecution{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Owns(&executionv1alpha1.ActionExecution{}, builder.WithPredicates(ignoreCreation)).
		Owns(&corev1.PersistentVolumeClaim{}, builder.WithPredicates(ignoreCreation)).
		WithOptions(controller.Options{MaxConcurrentReconciles: opts.MaxConcurrentReconciles})
	if opts.WatchTekton {
		// A TaskRun's status changes (start, retry, end) move a step forward even when its
		// PipelineRun's status does not change; it names its PipelineRun, which is named after
		// the workflow.
		b = b.Owns(&pipelinev1.PipelineRun{}, builder.WithPredicates(ignoreCreation)).
			Watches(&pipelinev1.TaskRun{}, handler.EnqueueRequestsFromMapFunc(workflowOfTaskRun),
				builder.WithPredicates(ignoreCreation))
	}
	return b.Complete(r)
}

// workflowOfTaskRun maps a TaskRun of one of Kubernaut's PipelineRuns to its workflow.
func workflowOfTaskRun(_ context.Context, obj client.Object) []reconcile.Request {
	pr, ours := obj.GetLabels()[labelTektonPipelineRun], obj.GetLabels()[labelManagedBy] == managedBy
	if pr == "" || !ours {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: obj.GetNamespace(), Name: pr}}}
}

// ignoreCreation drops creation events and keeps updates and deletions.
var ignoreCreation = predicate.Funcs{CreateFunc: func(event.CreateEvent) bool { return false }}
