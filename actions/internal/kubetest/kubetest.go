// Package kubetest runs built-in Kubernetes actions against a real API server (tier 2), as the
// ServiceAccount that the controller would create for them: bound to exactly the rules of the
// action's contract, built by the controller's own code (actionjob.BuildRBAC). A test therefore
// proves three things at once: the action does what it says, its contract grants enough, and,
// with Sandbox.ExpectForbidden, that the contract grants no more than it should.
//
// Each action package starts one control plane from its TestMain:
//
//	var cluster *kubetest.Cluster
//
//	func TestMain(m *testing.M) { os.Exit(kubetest.Main(m, &cluster)) }
//
// and every test takes a namespace of its own:
//
//	sb := cluster.NewSandbox(t, "action-contract.yaml")
//	// arrange with sb.Admin, run the action with sb.ActionEnv(), assert with sb.Admin
//
// The control plane is the project's envtest (kube-apiserver and etcd built into bin/k8s by
// `make test-tools`); a missing binary fails the test binary, it never skips. There are no
// controllers: no ReplicaSet, pod or status appears unless the test writes it.
package kubetest

import (
	"context"
	"fmt"
	"os"
	"testing"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubernaut/kubernaut/internal/testutil/envtest"
)

// Cluster is one running control plane shared by the tests of a package.
type Cluster struct {
	// Env is the control plane.
	Env *envtest.Environment
	// Admin is a clientset with cluster-admin rights, for arranging and checking.
	Admin kubernetes.Interface
}

// Main starts a control plane, stores it in *cluster, runs the tests and stops it. It returns
// the exit code for os.Exit; a control plane that does not start is exit code 1 with the reason.
func Main(m *testing.M, cluster **Cluster) int {
	env, err := envtest.Start(envtest.Options{})
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: integration control plane: %v\n", err)
		return 1
	}
	code := 1
	if admin, err := kubernetes.NewForConfig(env.Config); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: admin client: %v\n", err)
	} else {
		*cluster = &Cluster{Env: env, Admin: admin}
		code = m.Run()
	}
	if err := env.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		code = max(code, 1)
	}
	return code
}

// Config returns a copy of the admin connection that acts as user (and its groups, which the
// API server derives for ServiceAccount user names), through impersonation.
func (c *Cluster) Config(user string) *rest.Config {
	cfg := rest.CopyConfig(c.Env.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	return cfg
}

// Context returns a context for one test, cancelled when the test ends.
func Context(t testing.TB) context.Context { return envtest.Context(t) }
