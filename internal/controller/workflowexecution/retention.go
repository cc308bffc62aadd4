package workflowexecution

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// retentionEventReason is the reason of the event announcing a deletion by retention.
const retentionEventReason = "RetentionExpired"

// retain deletes a finished workflow once workflow.retention has passed since its completion,
// and otherwise asks to look again when it will have (a change of the setting reconciles every
// workflow anyway).
// Finished workflows would otherwise pile up: each one kept costs etcd and every cache holding
// it (the manager's too) its ActionExecutions, Jobs and pods. The deletion is a background one:
// the garbage collector then deletes the children through their owner references.
func (r *Reconciler) retain(ctx context.Context, run *run) (ctrl.Result, error) {
	obj, retention := run.obj, run.settings.WorkflowRetention
	if retention == 0 {
		return ctrl.Result{}, nil
	}
	completed := r.Clock.Now() // finished in this reconcile: the deferred status write stamps it
	if obj.Status.CompletionTime != nil {
		completed = obj.Status.CompletionTime.Time
	}
	left := completed.Add(retention).Sub(r.Clock.Now())
	if left > 0 {
		return ctrl.Result{RequeueAfter: left}, nil
	}
	err := r.Client.Delete(ctx, obj, client.Preconditions{UID: &obj.UID},
		client.PropagationPolicy(metav1.DeletePropagationBackground))
	if err != nil && !apierrors.IsNotFound(err) {
		return ctrl.Result{}, fmt.Errorf("deleting WorkflowExecution %s/%s after its retention of %s: %w",
			obj.Namespace, obj.Name, retention, err)
	}
	r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, retentionEventReason, "Delete",
		"Deleted with its ActionExecutions: finished %s ago, and workflow.retention is %s",
		r.Clock.Since(completed).Round(time.Second), retention)
	return ctrl.Result{}, nil
}
