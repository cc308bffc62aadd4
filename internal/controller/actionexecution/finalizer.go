package actionexecution

import (
	"context"
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionjob"
)

// ClusterRBACFinalizer keeps an ActionExecution whose action holds cluster-scoped permissions
// until the controller has deleted its ClusterRole and ClusterRoleBinding: a cluster-scoped
// object cannot be owned by a namespaced one, so the garbage collector would never remove them.
// Runs without cluster-scoped permissions never get it.
const ClusterRBACFinalizer = "execution.kubernaut.ai/cluster-rbac"

// addFinalizer adds ClusterRBACFinalizer before any cluster-scoped object exists, so that no
// deletion can slip between creating the ClusterRole and recording that it must be cleaned up.
func (r *Reconciler) addFinalizer(ctx context.Context, obj *executionv1alpha1.ActionExecution) error {
	if controllerutil.ContainsFinalizer(obj, ClusterRBACFinalizer) {
		return nil
	}
	before := obj.DeepCopy()
	controllerutil.AddFinalizer(obj, ClusterRBACFinalizer)
	if err := r.Client.Patch(ctx, obj, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("adding finalizer %s: %w", ClusterRBACFinalizer, err)
	}
	return nil
}

// releaseUnusedClusterRBAC releases the run's cluster-scoped RBAC once nothing can use it: when
// the ActionExecution is being deleted, or when its run has finished. A Prepared run (engine
// tekton) keeps it: its action has not run yet, and the TaskRun that runs it, which this
// controller does not watch, runs with these permissions. They are released when the
// ActionExecution is deleted, by the workflow controller once the TaskRun has finished or by the
// garbage collector with the workflow.
func (r *Reconciler) releaseUnusedClusterRBAC(ctx context.Context, obj *executionv1alpha1.ActionExecution) error {
	if obj.DeletionTimestamp.IsZero() && obj.Status.Phase == executionv1alpha1.PhasePrepared {
		return nil
	}
	return r.releaseClusterRBAC(ctx, obj)
}

// releaseClusterRBAC deletes the run's ClusterRoleBinding and ClusterRole, then removes the
// finalizer. It runs when the run finishes (the action needs its permissions only while it
// runs) and when the ActionExecution is deleted; it is a no-op without the finalizer.
func (r *Reconciler) releaseClusterRBAC(ctx context.Context, obj *executionv1alpha1.ActionExecution) error {
	if !controllerutil.ContainsFinalizer(obj, ClusterRBACFinalizer) {
		return nil
	}
	name := actionjob.ClusterRBACName(obj)
	for _, child := range []client.Object{
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name}},
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}},
	} {
		if err := r.Client.Delete(ctx, child); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting the run's cluster-scoped RBAC %T %s: %w", child, name, err)
		}
	}
	before := obj.DeepCopy()
	controllerutil.RemoveFinalizer(obj, ClusterRBACFinalizer)
	if err := r.Client.Patch(ctx, obj, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil &&
		!apierrors.IsNotFound(err) {
		return fmt.Errorf("removing finalizer %s: %w", ClusterRBACFinalizer, err)
	}
	return nil
}
