// Command manager runs the Kubernaut controllers. It only turns flags into manager.Options;
// internal/manager does the wiring.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/kubernaut/kubernaut/internal/manager"
	"github.com/kubernaut/kubernaut/internal/settings"
)

func main() {
	opts, logOpts, err := parseFlags(os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "manager:", err)
		os.Exit(2)
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(logOpts)))
	if err := run(opts); err != nil {
		ctrl.Log.WithName("setup").Error(err, "Manager stopped")
		os.Exit(1)
	}
}

// parseFlags turns the command line into manager options; getenv supplies POD_NAMESPACE, the
// default of --namespace that the Deployment sets from the downward API.
func parseFlags(args []string, getenv func(string) string) (manager.Options, *zap.Options, error) {
	opts := manager.DefaultOptions()
	if ns := getenv("POD_NAMESPACE"); ns != "" {
		opts.Namespace = ns
	}
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	fs.StringVar(&opts.Namespace, "namespace", opts.Namespace,
		"Namespace of the controller, holding the action registry, trust material and leader lease (default $POD_NAMESPACE, else kubernaut-system).")
	fs.StringVar(&opts.MetricsBindAddress, "metrics-bind-address", opts.MetricsBindAddress, "Address of the Prometheus metrics endpoint; 0 disables it.")
	fs.StringVar(&opts.HealthProbeBindAddress, "health-probe-bind-address", opts.HealthProbeBindAddress, "Address of the /healthz and /readyz endpoints; 0 disables them.")
	fs.BoolVar(&opts.LeaderElect, "leader-elect", opts.LeaderElect, "Elect a leader so that only one replica reconciles at a time.")
	qps := fs.Float64("kube-api-qps", float64(opts.QPS), "Queries per second to the Kubernetes API server, per API client: one per resource type, as in client-go and controller-runtime (ADR-020).")
	fs.IntVar(&opts.Burst, "kube-api-burst", opts.Burst, "Burst of queries to the Kubernetes API server, per API client (ADR-020).")
	fs.IntVar(&opts.MaxConcurrentReconciles, "max-concurrent-reconciles", opts.MaxConcurrentReconciles, "ActionExecutions reconciled at once.")
	fs.IntVar(&opts.MaxConcurrentWorkflowReconciles, "max-concurrent-workflow-reconciles", opts.MaxConcurrentWorkflowReconciles,
		"WorkflowExecutions reconciled at once (each workflow by one worker at a time).")
	fs.DurationVar(&opts.TektonRecheckInterval, "tekton-recheck-interval", opts.TektonRecheckInterval,
		"How often to look for Tekton being installed or removed; the manager then exits to be restarted with the right engines. 0 disables.")
	fs.StringVar(&opts.CeilingClusterRole, "action-ceiling-clusterrole", opts.CeilingClusterRole,
		"ClusterRole bounding the permissions any action may be granted; read at start.")
	fs.Func("setting", "A kubernaut-config setting as KEY=VALUE, winning over the ConfigMap's (e.g. --setting maxParallelSteps=10); repeat for several.",
		func(kv string) error { return addSetting(&opts, kv) })
	fs.Func("watch-namespace", "Reconcile WorkflowExecutions and ActionExecutions only in this namespace; repeat for several (default: all namespaces).",
		func(ns string) error { opts.WatchNamespaces = append(opts.WatchNamespaces, ns); return nil })
	logOpts := &zap.Options{}
	logOpts.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return opts, nil, err
	}
	if fs.NArg() > 0 {
		return opts, nil, fmt.Errorf("unexpected arguments %q: the manager takes flags only", fs.Args())
	}
	opts.QPS = float32(*qps)
	if _, err := settings.Parse(opts.SettingOverrides); err != nil {
		return opts, nil, fmt.Errorf("--setting: %w", err)
	}
	return opts, logOpts, nil
}

// addSetting records one --setting KEY=VALUE; the values are checked together once all flags
// are read, with the ConfigMap's own parser.
func addSetting(opts *manager.Options, kv string) error {
	key, value, ok := strings.Cut(kv, "=")
	if !ok || key == "" {
		return fmt.Errorf("%q is not KEY=VALUE", kv)
	}
	if opts.SettingOverrides == nil {
		opts.SettingOverrides = map[string]string{}
	}
	opts.SettingOverrides[key] = value
	return nil
}

func run(opts manager.Options) error {
	ctx := ctrl.SetupSignalHandler()
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("loading the kubeconfig: %w", err)
	}
	mgr, err := manager.New(ctx, cfg, opts)
	if err != nil {
		return err
	}
	ctrl.Log.WithName("setup").Info("Starting manager", "namespace", opts.Namespace, "leaderElect", opts.LeaderElect,
		"qps", opts.QPS, "burst", opts.Burst, "maxConcurrentReconciles", opts.MaxConcurrentReconciles,
		"maxConcurrentWorkflowReconciles", opts.MaxConcurrentWorkflowReconciles)
	return mgr.Start(ctx)
}
