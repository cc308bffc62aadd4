// Package envtest starts a real control plane (etcd and kube-apiserver, built from source by
// `make test-tools` into bin/k8s) for integration tests, through controller-runtime's envtest.
//
// Tests use it from TestMain:
//
//	var env *envtest.Environment
//
//	func TestMain(m *testing.M) {
//		os.Exit(envtest.Main(m, envtest.Options{}, &env))
//	}
//
// A missing binary is an error that fails the test binary, never a skip: integration tests that
// silently do not run prove nothing.
package envtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crenvtest "sigs.k8s.io/controller-runtime/pkg/envtest"
)

// ErrBinaryMissing reports that a control-plane binary has not been built.
var ErrBinaryMissing = errors.New("control-plane binary missing")

// Binaries envtest runs, as named in bin/k8s.
var binaries = []string{"kube-apiserver", "etcd", "kubectl"}

// startTimeout is generous because the machines running CI have two cores shared with compilers;
// kube-apiserver alone needs about 3 s on an idle machine.
const startTimeout = 2 * time.Minute

// Options configure the control plane.
type Options struct {
	// CRDDirectoryPaths are directories (or files) of CustomResourceDefinitions to install before
	// the tests run. A path that does not exist is an error.
	CRDDirectoryPaths []string
	// Scheme is used by Client and for CRD conversion; client-go's scheme when nil.
	Scheme *runtime.Scheme
	// BinDir overrides where the binaries are looked up; <repo>/bin/k8s when empty.
	BinDir string
}

// Environment is a running control plane.
type Environment struct {
	// Config connects to the API server as a cluster administrator.
	Config *rest.Config
	// Client is a controller-runtime client for Config, using Options.Scheme.
	Client client.Client

	env *crenvtest.Environment
}

// Start starts etcd and kube-apiserver and installs the CRDs of opts. Call Stop when done.
func Start(opts Options) (*Environment, error) {
	binDir := opts.BinDir
	if binDir == "" {
		var err error
		if binDir, err = DefaultBinDir(); err != nil {
			return nil, err
		}
	}
	if err := checkBinaries(binDir); err != nil {
		return nil, err
	}
	sch := opts.Scheme
	if sch == nil {
		sch = scheme.Scheme
	}
	env := newEnvironment(binDir, opts, sch)
	cfg, err := env.Start()
	if err != nil {
		_ = env.Stop()
		return nil, fmt.Errorf("start control plane from %s: %w", binDir, err)
	}
	c, err := client.New(cfg, client.Options{Scheme: sch})
	if err != nil {
		_ = env.Stop()
		return nil, fmt.Errorf("create client for the control plane: %w", err)
	}
	return &Environment{Config: cfg, Client: c, env: env}, nil
}

// newEnvironment configures controller-runtime's envtest with our binaries. The paths are set
// explicitly, rather than through BinaryAssetsDirectory alone, so that a KUBEBUILDER_ASSETS
// variable left in someone's shell cannot swap in binaries of another Kubernetes version.
func newEnvironment(binDir string, opts Options, sch *runtime.Scheme) *crenvtest.Environment {
	env := &crenvtest.Environment{
		BinaryAssetsDirectory:    binDir,
		CRDDirectoryPaths:        opts.CRDDirectoryPaths,
		ErrorIfCRDPathMissing:    true,
		Scheme:                   sch,
		ControlPlaneStartTimeout: startTimeout,
		ControlPlaneStopTimeout:  startTimeout,
	}
	env.ControlPlane.GetAPIServer().Path = filepath.Join(binDir, "kube-apiserver")
	env.ControlPlane.Etcd = &crenvtest.Etcd{Path: filepath.Join(binDir, "etcd")}
	env.ControlPlane.KubectlPath = filepath.Join(binDir, "kubectl")
	return env
}

// Stop stops the control plane and removes its temporary data.
func (e *Environment) Stop() error {
	if err := e.env.Stop(); err != nil {
		return fmt.Errorf("stop control plane: %w", err)
	}
	return nil
}

// Main starts the control plane, stores it in *env, runs the tests and stops it again. It returns
// the exit code for os.Exit; a control plane that cannot start makes it exit 1 with the reason.
func Main(m *testing.M, opts Options, env **Environment) int {
	started, err := Start(opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: integration control plane: %v\n", err)
		return 1
	}
	*env = started
	code := m.Run()
	if err := started.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Context returns a context for one test that is cancelled when the test ends.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// checkBinaries fails with instructions when a binary is missing or not executable.
func checkBinaries(binDir string) error {
	for _, name := range binaries {
		path := filepath.Join(binDir, name)
		fi, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("%w: %s: %v; run `make test-tools` to build it", ErrBinaryMissing, path, err)
		}
		if fi.Mode()&0o111 == 0 {
			return fmt.Errorf("%w: %s is not executable; run `make test-tools` to rebuild it", ErrBinaryMissing, path)
		}
	}
	return nil
}
