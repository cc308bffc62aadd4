// Package kube is what the built-in Kubernetes actions share: the connection to the API server
// from inside the action's pod, the namespace an action works in when its inputs name none, and
// error messages that say which object a failed call was about.
//
// An action holds an Env and never calls the package-level functions of client-go itself, so
// that its tests can hand it a client for a real API server that acts as the ServiceAccount the
// controller would create from the action's contract (see actions/internal/kubetest).
package kube

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubernaut/kubernaut/sdk/action"
)

const (
	// NamespaceInput is the name of the optional input that every namespaced action takes.
	NamespaceInput = "namespace"
	// NamespaceFile is where the kubelet mounts the pod's namespace, next to its ServiceAccount
	// token. It is absent when the pod runs without a token (an action without permissions).
	NamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"
	// EnvPodNamespace is read when NamespaceFile is absent. Set it with the downward API
	// (fieldRef metadata.namespace) or by hand for local runs.
	EnvPodNamespace = "POD_NAMESPACE"
)

// ErrNoNamespace means the inputs name no namespace and the pod's own namespace is unknown.
var ErrNoNamespace = errors.New("no namespace: the input \"namespace\" is not set, " +
	NamespaceFile + " does not exist and $" + EnvPodNamespace + " is empty; set the input \"namespace\"")

// Env is what a Kubernetes action takes from the pod it runs in. InCluster returns the real
// one; tests build their own.
type Env struct {
	// NewClient connects to the API server. It is called once per run, after the inputs have
	// been checked, so that an input error never waits for a connection.
	NewClient func() (kubernetes.Interface, error)
	// PodNamespace returns the namespace the action's pod runs in: the workflow's namespace.
	PodNamespace func() (string, error)
}

// InCluster returns the Env of an action running in a pod: client-go's in-cluster
// configuration (the mounted ServiceAccount token) and the pod's namespace from NamespaceFile or
// $POD_NAMESPACE. userAgent names the action in the API server's audit log.
func InCluster(userAgent string) Env {
	return Env{
		NewClient: func() (kubernetes.Interface, error) {
			cfg, err := rest.InClusterConfig()
			if err != nil {
				return nil, fmt.Errorf("connecting to the API server from inside the pod: %w "+
					"(a Kubernetes action needs the ServiceAccount token that the controller mounts "+
					"when the contract lists rbac.permissions)", err)
			}
			cfg.UserAgent = userAgent
			return NewClient(cfg)
		},
		PodNamespace: func() (string, error) { return PodNamespace(os.ReadFile, os.Getenv) },
	}
}

// NewClient returns a clientset for cfg with a clear error.
func NewClient(cfg *rest.Config) (kubernetes.Interface, error) {
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("creating the Kubernetes client for %s: %w", cfg.Host, err)
	}
	return c, nil
}

// PodNamespace returns the pod's namespace from NamespaceFile, else from $POD_NAMESPACE, else
// ErrNoNamespace. readFile and getenv are os.ReadFile and os.Getenv outside tests.
func PodNamespace(readFile func(string) ([]byte, error), getenv func(string) string) (string, error) {
	data, err := readFile(NamespaceFile)
	switch {
	case err == nil:
		ns := strings.TrimSpace(string(data))
		if ns == "" {
			return "", fmt.Errorf("%s is empty; set the input %q", NamespaceFile, NamespaceInput)
		}
		return ns, nil
	case !errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("reading the pod's namespace: %w; set the input %q", err, NamespaceInput)
	}
	if ns := strings.TrimSpace(getenv(EnvPodNamespace)); ns != "" {
		return ns, nil
	}
	return "", ErrNoNamespace
}

// Namespace returns the namespace an action works in: the input "namespace" when it is set and
// not empty, otherwise the pod's own namespace. Workflows usually name none, because the
// action's Job runs in the workflow's namespace, which is where its targets live. The result is
// checked to be a namespace name, because without a contract (a local run) nothing else has.
func (e Env) Namespace(in *action.Inputs) (string, error) {
	ns, err := in.StringOr(NamespaceInput, "")
	if err != nil {
		return "", err
	}
	if ns == "" {
		if e.PodNamespace == nil {
			return "", ErrNoNamespace
		}
		if ns, err = e.PodNamespace(); err != nil {
			return "", err
		}
	}
	if problems := validation.IsDNS1123Label(ns); len(problems) > 0 {
		return "", fmt.Errorf("namespace %q is not a valid namespace name: %s", ns, strings.Join(problems, "; "))
	}
	return ns, nil
}
