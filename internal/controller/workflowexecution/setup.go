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
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

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
// is what moves a workflow forward), their workspace claims, and the settings (a change of
// kubernaut-config reconciles every workflow). Status writes, its own included,
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
	if r.Settings != nil {
		changes, err := settingsChanges(mgr, r.Settings.Subscribe())
		if err != nil {
			return err
		}
		b = b.WatchesRawSource(source.Channel(changes, handler.EnqueueRequestsFromMapFunc(r.everyWorkflow)))
	}
	return b.Complete(r)
}

// settingsChanges turns the Store's change notifications into events for a channel source, by a
// runnable of the manager (so it stops with it).
func settingsChanges(mgr ctrl.Manager, changed <-chan struct{}) (<-chan event.GenericEvent, error) {
	events := make(chan event.GenericEvent)
	forward := manager.RunnableFunc(func(ctx context.Context) error {
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-changed:
			}
			select {
			case events <- event.GenericEvent{Object: &workflowv1alpha1.WorkflowExecution{}}:
			case <-ctx.Done():
				return nil
			}
		}
	})
	return events, mgr.Add(forward)
}

// everyWorkflow asks for a reconcile of every workflow after a change of kubernaut-config: a
// running one may now start more steps (maxParallelSteps) or face other timeouts, and a finished
// one another retention.
func (r *Reconciler) everyWorkflow(ctx context.Context, _ client.Object) []reconcile.Request {
	var list workflowv1alpha1.WorkflowExecutionList
	if err := r.Client.List(ctx, &list); err != nil {
		log.FromContext(ctx).Error(err, "Failed to list WorkflowExecutions after a settings change")
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
	}
	return reqs
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
