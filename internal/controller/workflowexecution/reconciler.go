package workflowexecution

import (
	"context"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/settings"
)

// ControllerName names the controller in logs, metrics, events and as the field owner of what it
// writes.
const ControllerName = "workflowexecution"

// Engine runs the steps of the workflows routed to it. The reconciler owns everything that does
// not depend on the engine (validation, routing, the workflow's phase, Ready, events, metrics);
// an engine turns the spec into children, mirrors the children into the per-step status
// (status.steps, with the same phases and reasons on every engine) and reports where the
// workflow stands. The Job engine is the only implementation in this build; Tekton's joins it.
type Engine interface {
	// Run advances a workflow that is not finished by one reconcile. It may create and delete
	// children, and mutates only obj.Status (steps, workspace); the caller writes it.
	Run(ctx context.Context, obj *workflowv1alpha1.WorkflowExecution, s settings.Settings) (Progress, error)
	// Release frees what a finished workflow still holds besides its children (the workspace),
	// and records that in obj.Status. It is called on every reconcile of a finished workflow, so
	// it must be cheap once everything is released.
	Release(ctx context.Context, obj *workflowv1alpha1.WorkflowExecution) error
}

// Progress is where a workflow stands after an engine's Run.
type Progress struct {
	// Phase is the workflow's phase; Reason its Ready reason (workflowv1alpha1 *Reason), Message
	// the sentence that goes with it.
	Phase   workflowv1alpha1.WorkflowPhase
	Reason  string
	Message string
	// FailedStep names the step whose failure failed the workflow.
	FailedStep string
	// Waiting counts the steps waiting for a dependency, a parallel slot or a retry's backoff.
	Waiting int
	// RequeueAfter is when to look again without a watch event (retry backoff, deadline).
	RequeueAfter time.Duration
}

// Reconciler runs WorkflowExecutions. Every dependency is a field set by the caller
// (internal/manager wires the real ones).
type Reconciler struct {
	// Client reads through the manager's cache and writes to the API server.
	Client client.Client
	// APIReader reads past the cache when the cached workflow is known to predate this
	// controller's last status write (see freshWorkflow); nil always trusts the cache.
	APIReader client.Reader
	// Settings holds the current kubernaut-config settings, loaded once per reconcile so that
	// one reconcile sees one consistent set.
	Settings *settings.Store
	// Engines are the engines this build can run, by name. The router only chooses among them:
	// a workflow that demands a missing engine fails, one merely routed to it falls back to jobs.
	Engines map[workflowv1alpha1.Engine]Engine
	// Clock stamps times and measures deadlines; tests inject a fake.
	Clock clock.PassiveClock
	// Recorder emits Kubernetes events about the WorkflowExecution.
	Recorder events.EventRecorder

	// superseded remembers, per workflow, the resourceVersion its last status write replaced.
	superseded staleVersions
}

// run is what one reconcile has learned so far; steps read and extend it in order.
type run struct {
	obj      *workflowv1alpha1.WorkflowExecution
	settings settings.Settings
	// progress is the engine's report; nil until the engine ran.
	progress *Progress
}

// step is one stage of a reconcile. It mutates only memory (run and obj.Status), except the
// engine, which creates and deletes children, and returns a terminal error, a transient error
// or nil.
type step func(ctx context.Context, run *run) error

// Reconcile implements reconcile.Reconciler. Its prologue is fixed: get the workflow; a deleted
// one needs nothing (owner references delete its ActionExecutions and its workspace); a finished
// one only makes sure its workspace is released, and is deleted once its retention has passed;
// otherwise the steps run, with one deferred status write that records whatever they decided.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (_ ctrl.Result, retErr error) {
	obj, err := r.freshWorkflow(ctx, req.NamespacedName)
	switch {
	case apierrors.IsNotFound(err) || (err == nil && !obj.DeletionTimestamp.IsZero()):
		r.forget(req.NamespacedName)
		return ctrl.Result{}, nil
	case err != nil:
		return ctrl.Result{}, fmt.Errorf("reading WorkflowExecution %s: %w", req.NamespacedName, err)
	}
	before := obj.DeepCopy()
	run := &run{obj: obj, settings: r.Settings.Load()}
	defer func() {
		retErr = errors.Join(retErr, r.patchStatus(ctx, before, run, err))
	}()
	if obj.Status.Phase.IsFinished() {
		err = r.reconcileRelease(ctx, run)
	} else {
		err = r.reconcile(ctx, run)
	}
	if err == nil && run.finished() {
		return r.retain(ctx, run)
	}
	return resultFor(run, err)
}

// forget drops what the controller remembers of a workflow that is gone or going.
func (r *Reconciler) forget(key types.NamespacedName) {
	queueDepth.forget(key)
	r.superseded.forget(key)
}

// reconcile runs the steps in order. Validation and the engine decision happen once, on the
// first reconcile; the engine then runs on every reconcile until the workflow is finished, and
// the workspace is released in the same reconcile that finishes it.
func (r *Reconciler) reconcile(ctx context.Context, run *run) error {
	for _, s := range []step{
		r.reconcileValidation,
		r.reconcileEngine,
		r.reconcileRun,
		r.reconcileRelease,
	} {
		if err := s(ctx, run); err != nil {
			return err
		}
	}
	return nil
}

// reconcileRun lets the workflow's engine advance it.
func (r *Reconciler) reconcileRun(ctx context.Context, run *run) error {
	progress, err := r.Engines[run.obj.Status.Engine].Run(ctx, run.obj, run.settings)
	if err != nil {
		return err
	}
	run.progress = &progress
	return nil
}

// reconcileRelease releases the workspace of a finished workflow. It runs right after the
// reconcile that finished the workflow and on every later one, so a release that failed, or
// whose status write was lost, is retried.
func (r *Reconciler) reconcileRelease(ctx context.Context, run *run) error {
	if !run.finished() {
		return nil
	}
	engine, ok := r.Engines[run.obj.Status.Engine]
	if !ok {
		return nil // failed before an engine was chosen: nothing was created
	}
	return engine.Release(ctx, run.obj)
}

// finished reports whether the workflow is finished, as stored or as decided in this reconcile.
func (run *run) finished() bool {
	if run.progress != nil {
		return run.progress.Phase.IsFinished()
	}
	return run.obj.Status.Phase.IsFinished()
}

// resultFor maps a reconcile outcome to controller-runtime's result: a terminal error is final
// (no requeue, no error), another error is transient and retried with backoff, and otherwise
// the engine's timer (retry backoff or deadline) is the only reason to look again without a
// watch event.
func resultFor(run *run, err error) (ctrl.Result, error) {
	if err != nil {
		if _, ok := asTerminal(err); ok {
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	if run.progress != nil && !run.progress.Phase.IsFinished() && run.progress.RequeueAfter > 0 {
		return ctrl.Result{RequeueAfter: run.progress.RequeueAfter}, nil
	}
	return ctrl.Result{}, nil
}
