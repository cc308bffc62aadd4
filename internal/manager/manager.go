// Package manager wires the Kubernaut controllers (ActionExecution, WorkflowExecution and the
// settings controller) into a controller-runtime manager: the scheme, the cache (secrets and
// ConfigMaps only from the controller's own namespace), client rate limits, metrics, health
// probes, leader election, and the explicit construction of every reconciler dependency.
// cmd/manager only turns flags into Options.
package manager

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionjob"
	"github.com/kubernaut/kubernaut/internal/controller/actionexecution"
	settingscontroller "github.com/kubernaut/kubernaut/internal/controller/settings"
	"github.com/kubernaut/kubernaut/internal/controller/workflowexecution"
	"github.com/kubernaut/kubernaut/internal/imagecontract"
	"github.com/kubernaut/kubernaut/internal/settings"
	"github.com/kubernaut/kubernaut/internal/verify"
)

// Defaults of Options (ADR-020 for the client limits).
const (
	DefaultQPS                = 20
	DefaultBurst              = 30
	DefaultNamespace          = "kubernaut-system"
	DefaultCeilingClusterRole = "kubernaut-action-ceiling"
	// DefaultTektonRecheckInterval is how often the manager looks for Tekton being installed or
	// removed: a discovery request per interval costs next to nothing.
	DefaultTektonRecheckInterval = 30 * time.Second
	LeaderElectionID             = "kubernaut-manager.kubernaut.ai"
)

// Options configure the manager. The zero value is not usable; start from DefaultOptions.
type Options struct {
	// Namespace is the controller's namespace: the action registry, trust material and the
	// leader election lease live there.
	Namespace string
	// MetricsBindAddress serves Prometheus metrics ("0" disables).
	MetricsBindAddress string
	// HealthProbeBindAddress serves /healthz and /readyz ("0" disables).
	HealthProbeBindAddress string
	// LeaderElect makes only one replica reconcile at a time.
	LeaderElect bool
	// QPS and Burst limit the requests to the API server of each API client: controller-runtime
	// builds one per resource type, each with its own token bucket, so the process as a whole
	// can send more (about 80 requests per second at the scale benchmark's peak).
	QPS   float32
	Burst int
	// MaxConcurrentReconciles is how many ActionExecutions are reconciled at once.
	MaxConcurrentReconciles int
	// MaxConcurrentWorkflowReconciles is how many WorkflowExecutions are reconciled at once.
	MaxConcurrentWorkflowReconciles int
	// SettingOverrides are kubernaut-config keys set on the command line; they win over the
	// ConfigMap's.
	SettingOverrides map[string]string
	// WatchNamespaces restricts the controllers to WorkflowExecutions and ActionExecutions (and
	// their Jobs and workspace claims) in these namespaces; empty means all namespaces.
	WatchNamespaces []string
	// CeilingClusterRole names the ClusterRole whose rules bound what any action may be granted.
	CeilingClusterRole string
	// TektonRecheckInterval is how often the manager asks whether Tekton's CRDs were installed
	// or removed since it started; when they were, it stops with ErrTektonChanged so that its
	// restart sets up the engines again. 0 never asks.
	TektonRecheckInterval time.Duration
	// Keychain authenticates registry reads for verification and contract loading; nil means
	// the default keychain (docker config, then anonymous).
	Keychain authn.Keychain
	// SkipControllerNameValidation allows several managers in one process (tests that restart
	// the manager); controller-runtime otherwise refuses a second controller of the same name.
	SkipControllerNameValidation bool
	// VerifierOptions are extra options of the signature verifier (tests inject a clock).
	VerifierOptions []verify.Option
}

// DefaultOptions returns the defaults every flag starts from.
func DefaultOptions() Options {
	return Options{
		Namespace:                       DefaultNamespace,
		MetricsBindAddress:              ":8080",
		HealthProbeBindAddress:          ":8081",
		LeaderElect:                     true,
		QPS:                             DefaultQPS,
		Burst:                           DefaultBurst,
		MaxConcurrentReconciles:         1,
		MaxConcurrentWorkflowReconciles: 1,
		CeilingClusterRole:              DefaultCeilingClusterRole,
		TektonRecheckInterval:           DefaultTektonRecheckInterval,
	}
}

// NewScheme knows the built-in kinds and Kubernaut's.
func NewScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := executionv1alpha1.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := workflowv1alpha1.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := pipelinev1.AddToScheme(s); err != nil {
		return nil, err
	}
	return s, nil
}

// New builds a manager with every controller registered; call Start on it.
func New(ctx context.Context, cfg *rest.Config, opts Options) (ctrl.Manager, error) {
	if opts.Namespace == "" {
		return nil, errors.New("the controller namespace must be set (--namespace or POD_NAMESPACE)")
	}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = opts.QPS, opts.Burst
	scheme, err := NewScheme()
	if err != nil {
		return nil, fmt.Errorf("building the scheme: %w", err)
	}
	tektonInstalled, err := tektonCRDsInstalled(cfg)
	if err != nil {
		return nil, err
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 metricsserver.Options{BindAddress: opts.MetricsBindAddress},
		HealthProbeBindAddress:  opts.HealthProbeBindAddress,
		LeaderElection:          opts.LeaderElect,
		LeaderElectionID:        LeaderElectionID,
		LeaderElectionNamespace: opts.Namespace,
		// cmd/manager exits as soon as the manager stops, so stepping down at once is safe, and
		// the next leader (a restarted or upgraded pod) need not wait for the lease to expire.
		LeaderElectionReleaseOnCancel: true,
		// Secrets and ConfigMaps are read only in the controller's own namespace; caching them
		// cluster-wide would need cluster-wide read access to every Secret.
		Cache:      cacheOptions(opts, tektonInstalled),
		Controller: config.Controller{SkipNameValidation: &opts.SkipControllerNameValidation},
	})
	if err != nil {
		return nil, fmt.Errorf("creating the manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return nil, err
	}
	r, err := newActionExecutionReconciler(ctx, mgr, cfg, opts)
	if err != nil {
		return nil, err
	}
	if err := r.SetupWithManager(mgr, actionexecution.ReconcilerOptions{MaxConcurrentReconciles: opts.MaxConcurrentReconciles}); err != nil {
		return nil, fmt.Errorf("setting up the ActionExecution controller: %w", err)
	}
	if err := setupWorkflowControllers(ctx, mgr, opts, tektonInstalled); err != nil {
		return nil, err
	}
	if opts.TektonRecheckInterval > 0 {
		if err := mgr.Add(tektonWatch{cfg: cfg, installed: tektonInstalled, interval: opts.TektonRecheckInterval}); err != nil {
			return nil, err
		}
	}
	return mgr, nil
}

// setupWorkflowControllers registers the settings controller, which keeps the kubernaut-config
// settings current in a Store, and the WorkflowExecution controller, which loads them from it,
// with the Job engine, and the Tekton engine when Tekton's CRDs are installed.
func setupWorkflowControllers(ctx context.Context, mgr ctrl.Manager, opts Options, tektonInstalled bool) error {
	initial, err := settingscontroller.Initial(ctx, mgr.GetAPIReader(), opts.Namespace, opts.SettingOverrides)
	if err != nil {
		ctrl.Log.WithName("setup").Error(err, "Starting with the default settings")
	}
	store := settings.NewStore(initial)
	sr := &settingscontroller.Reconciler{
		Client:    mgr.GetClient(),
		Namespace: opts.Namespace,
		Store:     store,
		Recorder:  mgr.GetEventRecorder("kubernaut-" + settingscontroller.ControllerName),
		Overrides: opts.SettingOverrides,
	}
	if err := sr.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the settings controller: %w", err)
	}
	wr := &workflowexecution.Reconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Settings:  store,
		Engines:   engines(mgr, tektonInstalled),
		Clock:     clock.RealClock{},
		Recorder:  mgr.GetEventRecorder("kubernaut-" + workflowexecution.ControllerName),
	}
	if err := wr.SetupWithManager(mgr, workflowexecution.ReconcilerOptions{
		MaxConcurrentReconciles: opts.MaxConcurrentWorkflowReconciles, WatchTekton: tektonInstalled,
	}); err != nil {
		return fmt.Errorf("setting up the WorkflowExecution controller: %w", err)
	}
	return nil
}

// cacheOptions reads Secrets and ConfigMaps only in the controller's own namespace (caching them
// cluster-wide would need cluster-wide read access to every Secret), and only the Jobs, pods and
// PersistentVolumeClaims Kubernaut created: the cluster's others would cost memory and watch
// traffic for nothing. A foreign object under a child's name is still found, through
// AlreadyExists, and refused.
func cacheOptions(opts Options, tektonInstalled bool) cache.Options {
	own := map[string]cache.Config{opts.Namespace: {}}
	managed := labels.SelectorFromSet(labels.Set{actionjob.LabelManagedBy: actionjob.ManagedBy})
	c := cache.Options{
		ByObject: map[client.Object]cache.ByObject{
			&corev1.ConfigMap{}: {Namespaces: own},
			&corev1.Secret{}:    {Namespaces: own},
			&batchv1.Job{}:      {Label: managed},
			// The workflow controller watches its workspace claims (Owns); the selector keeps
			// the cluster's other claims out of memory.
			&corev1.PersistentVolumeClaim{}: {Label: managed},
			// The pods of Kubernaut's Jobs (the Job copies the label into its pod template): a
			// succeeded pod ends its run without waiting for the Job controller. Tekton's pods
			// carry Tekton's managed-by value and stay out.
			&corev1.Pod{}: {Label: managed},
		},
		// managedFields are a large share of every cached object and no controller here reads
		// them (none applies server-side from a cached object), so they are dropped on arrival.
		DefaultTransform: cache.TransformStripManagedFields(),
	}
	if tektonInstalled {
		// Only Kubernaut's PipelineRuns, and their TaskRuns (Tekton copies the labels). A kind
		// the API server does not serve must not be named here: the cache would fail to start.
		c.ByObject[&pipelinev1.PipelineRun{}] = cache.ByObject{Label: managed}
		c.ByObject[&pipelinev1.TaskRun{}] = cache.ByObject{Label: managed}
	}
	if len(opts.WatchNamespaces) > 0 {
		c.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range opts.WatchNamespaces {
			c.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	return c
}

// newActionExecutionReconciler constructs the ActionExecution reconciler's dependencies once.
func newActionExecutionReconciler(ctx context.Context, mgr ctrl.Manager, cfg *rest.Config, opts Options) (*actionexecution.Reconciler, error) {
	kc := opts.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	verifierOpts := append([]verify.Option{
		verify.WithRemoteOptions([]remote.Option{remote.WithAuthFromKeychain(kc)}),
	}, opts.VerifierOptions...)
	verifier, err := verify.NewVerifier(verifierOpts...)
	if err != nil {
		return nil, err
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("creating the Kubernetes clientset: %w", err)
	}
	ceiling, err := readCeiling(ctx, mgr.GetAPIReader(), opts.CeilingClusterRole)
	if err != nil {
		return nil, err
	}
	return &actionexecution.Reconciler{
		Client:     mgr.GetClient(),
		APIReader:  mgr.GetAPIReader(),
		KubeClient: kube,
		Verifier:   verifier,
		Loader:     imagecontract.NewLoader(imagecontract.Options{Keychain: kc}),
		Keychain:   kc,
		Namespace:  opts.Namespace,
		Ceiling:    ceiling,
		Clock:      clock.RealClock{},
		Recorder:   mgr.GetEventRecorder("kubernaut-" + actionexecution.ControllerName),
	}, nil
}

// readCeiling reads the rules of the ceiling ClusterRole once, at start. It is read directly
// (the cache is not running yet); a change takes effect on restart.
func readCeiling(ctx context.Context, reader client.Reader, name string) ([]rbacv1.PolicyRule, error) {
	cr := &rbacv1.ClusterRole{}
	if err := reader.Get(ctx, client.ObjectKey{Name: name}, cr); err != nil {
		return nil, fmt.Errorf("reading the action permission ceiling ClusterRole %s: %w", name, err)
	}
	return cr.Rules, nil
}
