package actionexecution

import (
	"context"
	"errors"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	batchv1 "k8s.io/api/batch/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionregistry"
	"github.com/kubernaut/kubernaut/internal/imagecontract"
	"github.com/kubernaut/kubernaut/internal/verify"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

// ControllerName names the controller in logs, metrics, events and as the field owner of its
// status patches.
const ControllerName = "actionexecution"

// ImageVerifier verifies an image's signature against a compiled policy; *verify.Verifier
// implements it. Errors wrap verify's sentinels, and only verify.ErrRegistry is transient.
type ImageVerifier interface {
	Verify(ctx context.Context, ref string, p *verify.Policy, opts ...verify.CallOption) (*verify.Result, error)
}

// ContractLoader reads the ActionContract from an image digest; *imagecontract.Loader
// implements it.
type ContractLoader interface {
	Load(ctx context.Context, ref name.Digest, contractPath string, opts ...imagecontract.LoadOption) (*imagecontract.Loaded, error)
}

// Reconciler runs ActionExecutions as Jobs, or prepares them for a Tekton TaskRun (engine
// tekton). Every dependency is a field, set by the caller (cmd/manager wires the real ones);
// none is looked up from a context.
type Reconciler struct {
	// Client reads through the manager's cache and writes to the API server.
	Client client.Client
	// APIReader reads past the cache, for the rare lookups of objects the controller does not
	// watch (an existing ServiceAccount or Role after AlreadyExists).
	APIReader client.Reader
	// KubeClient reads what no cache holds: the logs of a finished pod.
	KubeClient kubernetes.Interface
	// Verifier checks image signatures; built once from the process's registry options.
	Verifier ImageVerifier
	// Loader reads contracts from verified digests, cached by digest.
	Loader ContractLoader
	// Keychain is the controller's own registry credentials, the ones Verifier and Loader were
	// built with. A run whose ServiceAccount lists image pull secrets is read with those first,
	// then the default keychain, then Keychain; nil or authn.DefaultKeychain adds nothing.
	Keychain authn.Keychain
	// Namespace is the controller's own namespace, where the action registry ConfigMap and the
	// trust material (key Secrets, trusted root) live.
	Namespace string
	// Ceiling is the most an action may be granted: the rules of the controller's ceiling
	// ClusterRole. The API server enforces it for real when the controller creates a Role
	// (escalation check); checking it first gives a clear PermissionsExceedCeiling reason.
	Ceiling []rbacv1.PolicyRule
	// Clock stamps start and completion times; tests inject a fake.
	Clock clock.PassiveClock
	// Recorder emits Kubernetes events about the ActionExecution.
	Recorder events.EventRecorder
}

// run is what one reconcile has learned so far; steps read and extend it in order.
type run struct {
	obj      *executionv1alpha1.ActionExecution
	job      *batchv1.Job
	entry    actionregistry.Entry
	registry *actionregistry.Registry
	digest   name.Digest // the image to run: repository@verified digest
	contract *contract.ActionContract
	inputs   []byte // inputs as JSON, validated and with the contract's defaults applied
	// serviceAccount is what the Job runs as: the run's own, a pre-created one, or "" for none
	// (a contract without permissions gets no token at all).
	serviceAccount string
	// pull are the registry credentials of the run's ServiceAccount: they read the image and
	// are listed in the Job's pod spec.
	pull pullCredentials
	// warnings are Warning events to emit once the status is written (warn and disabled modes).
	warnings []warning
}

// warning is a Warning event announced by a step that let the run go ahead anyway.
type warning struct{ reason, message string }

// step is one stage of a reconcile. It mutates only memory (the run and obj.Status), except the
// steps that create the run's children, and returns a refusal, a transient error or nil.
type step func(ctx context.Context, run *run) error

// Reconcile implements reconcile.Reconciler. Its prologue is fixed: get the object; on deletion
// or once the run has finished, only release what the garbage collector cannot (a finished run
// never changes again); otherwise run the steps with one deferred status patch that records
// whatever they decided, and release the cluster-scoped RBAC right after a run finishes.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (_ ctrl.Result, retErr error) {
	obj := &executionv1alpha1.ActionExecution{}
	if err := r.Client.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !obj.DeletionTimestamp.IsZero() || obj.Status.Phase.IsFinished() {
		return ctrl.Result{}, r.releaseUnusedClusterRBAC(ctx, obj)
	}
	before := obj.DeepCopy()
	run := &run{obj: obj}
	var err error
	defer func() {
		retErr = errors.Join(retErr, r.patchStatus(ctx, before, run, err))
		if retErr == nil && obj.Status.Phase.IsFinished() {
			retErr = r.releaseUnusedClusterRBAC(ctx, obj)
		}
	}()
	err = r.reconcile(ctx, run)
	return resultFor(err)
}

// reconcile runs the steps in order. Until the Job exists, each run goes through every check
// before anything is created; once it exists, only its status is mirrored (and the checks'
// record restored from the Job when the status write after launch was lost), so a registry
// change after launch cannot fail a run that is already executing. With engine tekton the same
// checks end in reconcilePrepared instead of the Job: no Job ever exists, and phase Prepared is
// final, so a restarted controller never prepares a run twice.
func (r *Reconciler) reconcile(ctx context.Context, run *run) error {
	if run.obj.Spec.Engine == executionv1alpha1.EngineTekton {
		return r.checkThenLaunch(ctx, run, r.reconcilePrepared)
	}
	if err := r.lookupJob(ctx, run); err != nil {
		return err
	}
	restoreLaunchRecord(run)
	if run.job == nil {
		if err := r.checkThenLaunch(ctx, run, r.reconcileJob); err != nil {
			return err
		}
	}
	return r.reconcileJobStatus(ctx, run)
}

// checkThenLaunch runs the checks before launch, the same code for both engines, then launch,
// which creates the Job (engine jobs) or records the prepared launch (engine tekton).
func (r *Reconciler) checkThenLaunch(ctx context.Context, run *run, launch step) error {
	for _, s := range []step{
		r.reconcileRegistryEntry,
		r.reconcilePullSecrets,
		r.reconcileVerification,
		r.reconcileContract,
		r.reconcileInputs,
		r.reconcileCredentials,
		r.reconcileSecurity,
		r.reconcileRBAC,
		launch,
	} {
		if err := s(ctx, run); err != nil {
			return err
		}
	}
	return nil
}

// resultFor maps a reconcile outcome to controller-runtime's result: a refusal is final (no
// requeue, no error), anything else not nil is transient and retried with backoff. Progress is
// driven by watches on the Job and the registry, never by timers.
func resultFor(err error) (ctrl.Result, error) {
	if err == nil {
		return ctrl.Result{}, nil
	}
	if _, ok := asRefusal(err); ok {
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, err
}
