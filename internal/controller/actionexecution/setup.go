package actionexecution

import (
	"context"
	"time"

	"golang.org/x/time/rate"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
)

// ReconcilerOptions tune how the controller runs.
type ReconcilerOptions struct {
	// MaxConcurrentReconciles is how many ActionExecutions are reconciled at once (default 1).
	MaxConcurrentReconciles int
}

// SetupWithManager registers the reconciler. It watches ActionExecutions, the Jobs they own
// (a Job's status change is what moves a run forward), their pods (a succeeded pod ends its run
// before the Job controller completes the Job), and the ConfigMaps and Secrets of the
// controller's namespace (the action registry and the trust material it references), whose
// changes requeue every run not yet launched, so that a registry edit or a new key applies within
// seconds.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, opts ReconcilerOptions) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named(ControllerName).
		For(&executionv1alpha1.ActionExecution{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Owns(&batchv1.Job{}).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(r.runOfPod),
			builder.WithPredicates(predicate.NewPredicateFuncs(podSucceeded))).
		Watches(&corev1.ConfigMap{}, handler.EnqueueRequestsFromMapFunc(r.unlaunchedRuns),
			builder.WithPredicates(predicate.NewPredicateFuncs(r.inOwnNamespace))).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.unlaunchedRuns),
			builder.WithPredicates(predicate.NewPredicateFuncs(r.inOwnNamespace))).
		WithOptions(controller.Options{MaxConcurrentReconciles: opts.MaxConcurrentReconciles, RateLimiter: waitingRateLimiter()}).
		Complete(r)
}

// maxRetryDelay bounds how long a waiting run (a missing pull secret, an unreachable registry)
// goes without a retry. Nothing watches the Secrets of other namespaces or the registry, so the
// retry is how the run notices; controller-runtime's default backoff grows to about 16 minutes.
const maxRetryDelay = time.Minute

// waitingRateLimiter is controller-runtime's default rate limiter with the per-item backoff
// capped at maxRetryDelay: exponential from 5 ms, plus the overall 10 per second, burst 100.
func waitingRateLimiter() workqueue.TypedRateLimiter[reconcile.Request] {
	return workqueue.NewTypedMaxOfRateLimiter(
		workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](5*time.Millisecond, maxRetryDelay),
		&workqueue.TypedBucketRateLimiter[reconcile.Request]{Limiter: rate.NewLimiter(rate.Limit(10), 100)},
	)
}

// inOwnNamespace selects the objects of the controller's namespace: the registry ConfigMap and
// the trust material. Which of them the registry references is not worth tracking: they change
// rarely, and a requeued run whose Job exists costs one cache read.
func (r *Reconciler) inOwnNamespace(obj client.Object) bool {
	return obj.GetNamespace() == r.Namespace
}

// unlaunchedRuns lists the ActionExecutions whose Job does not exist yet: after a change of the
// registry or the trust material, those are the runs whose outcome may change. A running run
// is past every check, and a finished one never changes.
func (r *Reconciler) unlaunchedRuns(ctx context.Context, _ client.Object) []reconcile.Request {
	var list executionv1alpha1.ActionExecutionList
	if err := r.Client.List(ctx, &list); err != nil {
		log.FromContext(ctx).Error(err, "Failed to list ActionExecutions after an action registry change")
		return nil
	}
	var reqs []reconcile.Request
	for i := range list.Items {
		if phase := list.Items[i].Status.Phase; phase == "" || phase == executionv1alpha1.PhasePending || phase == executionv1alpha1.PhaseVerifying {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
		}
	}
	return reqs
}

// podSucceeded selects the pod events that can end a run: those of a pod whose action container
// succeeded. The manager caches only the pods Kubernaut's Jobs create (by label).
func podSucceeded(obj client.Object) bool {
	pod, ok := obj.(*corev1.Pod)
	return ok && actionSucceeded(pod)
}

// runOfPod maps a Job's pod to the ActionExecution that owns the Job: pod → Job (its controller)
// → ActionExecution (the Job's controller), the Job read from the cache.
func (r *Reconciler) runOfPod(ctx context.Context, obj client.Object) []reconcile.Request {
	owner := metav1.GetControllerOf(obj)
	if owner == nil || owner.Kind != "Job" || owner.APIVersion != batchv1.SchemeGroupVersion.String() {
		return nil
	}
	job := &batchv1.Job{}
	if err := r.Client.Get(ctx, client.ObjectKey{Namespace: obj.GetNamespace(), Name: owner.Name}, job); err != nil {
		return nil
	}
	run := metav1.GetControllerOf(job)
	if run == nil || run.Kind != executionv1alpha1.ActionExecutionKind || run.APIVersion != executionv1alpha1.GroupVersion.String() {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: job.Namespace, Name: run.Name}}}
}
