// Package deploy puts Kubernaut into a cluster from source: it builds the manager image with
// the project's own builder, renders config/default, puts the image in by digest, applies
// everything with server-side apply, optionally writes the action registry and its trusted
// keys, and waits until the manager is available. The end-to-end tests, `kubernaut dev deploy`
// and the demo all deploy through it, so they run exactly what config/default ships.
//
// In the dev cluster (internal/devcluster) images are named after the registry's loopback
// address, 127.0.0.1:<port>, which is what containerd pulls. The manager verifies signatures
// of those same references, but inside its pod 127.0.0.1 is the pod itself; so Deploy adds a
// small native sidecar there (Forwarder) that listens on the pod's 127.0.0.1:<port> and
// forwards to the registry's read-only address on the node. Nothing else differs from a
// production deployment.
package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubernaut/kubernaut/internal/devcluster"
)

// FieldManager owns what Deploy applies (server-side apply).
const FieldManager = "kubernaut-dev"

// DefaultTimeout bounds waiting for the CRDs and the manager.
const DefaultTimeout = 3 * time.Minute

// Options say what Deploy puts where.
type Options struct {
	// Kubeconfig is the kubeconfig file of the cluster. Required unless RESTConfig is set.
	Kubeconfig string
	// RESTConfig, when set, connects to the cluster instead of Kubeconfig.
	RESTConfig *rest.Config
	// Kubectl is the kubectl that renders ConfigDir (`kubectl kustomize`). Required.
	Kubectl string
	// ConfigDir is the kustomization to deploy; config/default of the source tree when empty.
	ConfigDir string
	// ManagerImage is the manager's digest reference (see BuildManagerImage). Required.
	ManagerImage string
	// Forwarder, when set, adds the dev cluster's registry forwarder sidecar.
	Forwarder *Forwarder
	// ActionRegistry, when set, is written into the action registry ConfigMap together with
	// its trusted keys. When nil the ConfigMap in the cluster is left as it is, or created empty
	// as config/default ships it, so that redeploying the manager keeps an operator's entries.
	ActionRegistry *ActionRegistry
	// Timeout bounds the wait for the CRDs and the manager; DefaultTimeout when zero.
	Timeout time.Duration
	// Progress receives one line per step; discarded when nil.
	Progress io.Writer
}

// Forwarder is the dev-only sidecar that makes the registry's loopback name work in the pod.
type Forwarder struct {
	// Image is the forwarder's digest reference (see BuildForwarderImage).
	Image string
	// Listen is the registry's name in image references, 127.0.0.1:<port>.
	Listen string
	// Upstream is the registry's address as pods reach it, <node IP>:<port>.
	Upstream string
}

// Result says what Deploy did.
type Result struct {
	// Applied lists the applied objects as Kind/name (namespace-qualified where namespaced).
	Applied []string
	// ManagerImage is the image the manager runs.
	ManagerImage string
	// Rolled reports whether the manager's pod template changed (a new image, sidecar or
	// setting), so that the Deployment rolled out new pods.
	Rolled bool
	// Pods are the manager's pods once it was available.
	Pods []string
	// Elapsed is the time from rendering to available.
	Elapsed time.Duration
}

// DevClusterOptions returns the Options that deploy images into the dev cluster cl with the
// forwarder sidecar; kubectl renders config/default.
func DevClusterOptions(cl *devcluster.Cluster, kubectl string, images Images) (Options, error) {
	if cl.NodeRegistry == "" {
		return Options{}, fmt.Errorf("the dev cluster in %s records no node address for its registry, "+
			"so pods cannot reach it; restart it with `kubernaut dev cluster down` and `up`", cl.StateDir)
	}
	return Options{
		Kubeconfig:   cl.Kubeconfig,
		Kubectl:      kubectl,
		ManagerImage: images.Manager,
		Forwarder:    &Forwarder{Image: images.Forwarder, Listen: cl.Registry, Upstream: cl.NodeRegistry},
	}, nil
}

// Deploy renders config/default with the manager image, applies it, writes the action registry
// when given, and waits until the CRDs are established and the manager's Deployment is
// available. When the manager does not become available in time, the error shows its pods'
// container states and last log lines.
func Deploy(ctx context.Context, opts Options) (*Result, error) {
	began := time.Now()
	if err := opts.complete(); err != nil {
		return nil, err
	}
	objs, err := opts.manifests(ctx)
	if err != nil {
		return nil, err
	}
	cl, err := newClients(&opts)
	if err != nil {
		return nil, err
	}
	res := &Result{ManagerImage: opts.ManagerImage}
	before, err := cl.managerTemplate(ctx)
	if err != nil {
		return nil, err
	}
	if res.Applied, err = cl.applyAll(ctx, objs, &opts); err != nil {
		return nil, err
	}
	after, err := cl.managerTemplate(ctx)
	if err != nil {
		return nil, err
	}
	res.Rolled = before == nil || !equality.Semantic.DeepEqual(before, after)
	opts.progressf("waiting for Deployment %s/%s to be available", Namespace, DeploymentName)
	if res.Pods, err = cl.waitAvailable(ctx, opts.Timeout); err != nil {
		return nil, err
	}
	res.Elapsed = time.Since(began)
	return res, nil
}

// complete checks the options Deploy requires and fills in defaults.
func (o *Options) complete() error {
	if err := required("Kubeconfig", o.kubeconfigOrConfig(), "Kubectl", o.Kubectl, "ManagerImage", o.ManagerImage); err != nil {
		return err
	}
	return o.defaults()
}

// kubeconfigOrConfig is non-empty when either way of connecting is given.
func (o *Options) kubeconfigOrConfig() string {
	if o.RESTConfig != nil {
		return "rest config"
	}
	return o.Kubeconfig
}

// restConfig returns RESTConfig, or loads Kubeconfig.
func (o *Options) restConfig() (*rest.Config, error) {
	if o.RESTConfig != nil {
		return rest.CopyConfig(o.RESTConfig), nil
	}
	rc, err := clientcmd.BuildConfigFromFlags("", o.Kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", o.Kubeconfig, err)
	}
	return rc, nil
}

// defaults fills in ConfigDir and Timeout.
func (o *Options) defaults() error {
	if o.ConfigDir == "" {
		root, err := FindSourceRoot()
		if err != nil {
			return err
		}
		o.ConfigDir = filepath.Join(root, "config", "default")
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	return nil
}

// manifests renders ConfigDir and applies the options to it: the manager image, the forwarder
// and the action registry with its Secret.
func (o *Options) manifests(ctx context.Context) ([]*unstructured.Unstructured, error) {
	o.progressf("rendering %s", o.ConfigDir)
	objs, err := render(ctx, o.Kubectl, o.ConfigDir)
	if err != nil {
		return nil, err
	}
	deployment := findObject(objs, "Deployment", DeploymentName)
	if deployment == nil {
		return nil, fmt.Errorf("%w: no Deployment %s in %s", ErrPlaceholderMissing, DeploymentName, o.ConfigDir)
	}
	if err := setManagerImage(deployment, o.ManagerImage); err != nil {
		return nil, err
	}
	if o.Forwarder != nil {
		if err := checkForwarder(deployment, *o.Forwarder); err != nil {
			return nil, err
		}
		if err := addForwarder(deployment, *o.Forwarder); err != nil {
			return nil, err
		}
	}
	if o.ActionRegistry != nil {
		secret, err := applyActionRegistry(objs, *o.ActionRegistry)
		if err != nil {
			return nil, err
		}
		objs = append(objs, secret)
	}
	return objs, nil
}

// required fails naming every empty value of the name, value pairs.
func required(pairs ...string) error {
	var missing []error
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			missing = append(missing, fmt.Errorf("deploy: option %s is required", pairs[i]))
		}
	}
	return errors.Join(missing...)
}

func (o *Options) progressf(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format+"\n", args...)
	}
}
