package actionexecution

import (
	"context"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionjob"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

// lookupJob finds the run's Job by its deterministic name. Its existence is what decides whether
// the checks before launch still have to run: after a restart the Job is found, not recreated.
// A Job of that name that this run does not control is never adopted.
func (r *Reconciler) lookupJob(ctx context.Context, run *run) error {
	job := &batchv1.Job{}
	key := client.ObjectKey{Namespace: run.obj.Namespace, Name: actionjob.JobName(run.obj)}
	switch err := r.Client.Get(ctx, key, job); {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return fmt.Errorf("reading Job %s: %w", key, err)
	}
	if !actionjob.OwnedBy(job, run.obj) {
		return r.notOurs(job)
	}
	run.job = job
	return nil
}

// reconcileRBAC creates the ServiceAccount, Role, ClusterRole and bindings holding exactly the
// contract's permissions (DESIGN D5), unless the run uses a pre-created account. Objects that
// already exist were created by an earlier reconcile of this run (the names are derived from
// it, and OwnedBy confirms it), so AlreadyExists is success. Cluster-scoped objects cannot be
// owned by the ActionExecution, so a finalizer is added first: they are deleted when the run
// finishes or is deleted.
func (r *Reconciler) reconcileRBAC(ctx context.Context, run *run) error {
	if sa := run.serviceAccountOverride(); sa != "" {
		run.serviceAccount = sa
		return nil
	}
	objs := actionjob.BuildRBAC(run.obj, run.contract)
	if objs.ServiceAccount != nil {
		run.serviceAccount = objs.ServiceAccount.Name
	}
	if objs.ClusterRole != nil {
		if err := r.addFinalizer(ctx, run.obj); err != nil {
			return err
		}
	}
	for _, child := range rbacChildren(objs) {
		if err := r.create(ctx, run.obj, child); err != nil {
			return err
		}
	}
	return nil
}

// rbacChildren lists the objects BuildRBAC built, ServiceAccount first and each binding after
// its role, skipping those not needed.
func rbacChildren(objs actionjob.RBACObjects) []client.Object {
	var out []client.Object
	if objs.ServiceAccount != nil {
		out = append(out, objs.ServiceAccount)
	}
	if objs.Role != nil {
		out = append(out, objs.Role, objs.RoleBinding)
	}
	if objs.ClusterRole != nil {
		out = append(out, objs.ClusterRole, objs.ClusterRoleBinding)
	}
	return out
}

// reconcileJob creates the Job that runs the verified digest with the validated inputs. The
// name is deterministic, so AlreadyExists means an earlier reconcile (perhaps of a controller
// that has since restarted) created it: it is this run's Job, never duplicated.
func (r *Reconciler) reconcileJob(ctx context.Context, run *run) error {
	job, err := buildJob(run)
	if err != nil {
		return err
	}
	if err := stampLaunchRecord(job, run.obj); err != nil {
		return err
	}
	if err := r.create(ctx, run.obj, job); err != nil {
		return err
	}
	run.job = job
	return nil
}

// buildJob builds, in memory, the Job that runs the verified digest with the validated inputs,
// as the run's ServiceAccount and with its pull secrets. Engine tekton builds it too, never to
// create it but to take the step's settings from it, so that both engines run the same thing.
func buildJob(run *run) (*batchv1.Job, error) {
	opts := run.pull.jobOptions()
	if run.entry.ContractPath != "" && run.entry.ContractPath != contract.DefaultPath {
		opts = append(opts, actionjob.WithContractPath(run.entry.ContractPath))
	}
	job, err := actionjob.BuildJob(run.obj, run.contract, run.digest.String(), run.inputs, run.serviceAccount, opts...)
	if err != nil {
		return nil, refuseFrom(executionv1alpha1.ContractLoadedCondition, executionv1alpha1.ContractInvalidReason, err)
	}
	return job, nil
}

// create creates a child of owner. An existing object of the same name is accepted only when it
// was created for this run; anything else is a refusal, never an adoption.
func (r *Reconciler) create(ctx context.Context, owner *executionv1alpha1.ActionExecution, child client.Object) error {
	err := r.Client.Create(ctx, child, client.FieldOwner(ControllerName))
	if err == nil {
		return nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating %T %s: %w", child, client.ObjectKeyFromObject(child), err)
	}
	// Read past the cache: the controller caches Jobs only, and this path is rare.
	existing := child.DeepCopyObject().(client.Object)
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(child), existing); err != nil {
		return fmt.Errorf("reading the existing %T %s: %w", child, client.ObjectKeyFromObject(child), err)
	}
	if !actionjob.OwnedBy(existing, owner) {
		return r.notOurs(existing)
	}
	return nil
}

// notOurs refuses to run when an object under one of the run's child names belongs to someone
// else: using it could grant its permissions to the action or report another run's outcome.
func (r *Reconciler) notOurs(obj client.Object) error {
	kind := fmt.Sprintf("%T", obj)
	if gvk, err := apiutil.GVKForObject(obj, r.Client.Scheme()); err == nil {
		kind = gvk.Kind
	}
	return refuse(executionv1alpha1.JobCreatedCondition, executionv1alpha1.JobFailedReason,
		"%s %s already exists and was not created for this ActionExecution; refusing to use it",
		kind, client.ObjectKeyFromObject(obj))
}

// refuseFrom turns an actionjob decision into a refusal under the reason it carries, or under
// fallback when it carries none.
func refuseFrom(condition, fallback string, err error) error {
	reason, ok := actionjob.ReasonOf(err)
	if !ok {
		reason = fallback
	}
	return refuse(condition, reason, "%v", err)
}
