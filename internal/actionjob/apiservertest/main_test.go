package apiservertest

import (
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/testutil/envtest"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

// env is the control plane shared by the tests; each test works in its own namespace.
var env *envtest.Environment

func TestMain(m *testing.M) {
	os.Exit(envtest.Main(m, envtest.Options{
		CRDDirectoryPaths: []string{filepath.Join("..", "..", "..", "config", "crd", "bases")},
		Scheme:            newScheme(),
	}, &env))
}

// newScheme knows the built-in kinds and ActionExecution. A scheme that cannot be built is a
// programming error, so it panics, which fails the test binary loudly.
func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, executionv1alpha1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}

// newNamespace creates a namespace that enforces the restricted Pod Security profile.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		GenerateName: "actionjob-",
		Labels: map[string]string{
			"pod-security.kubernetes.io/enforce":         "restricted",
			"pod-security.kubernetes.io/enforce-version": "latest",
		},
	}}
	if err := env.Client.Create(envtest.Context(t), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

// createActionExecution stores an ActionExecution, so that its children can name its UID.
func createActionExecution(t *testing.T, ns string, mutate func(*executionv1alpha1.ActionExecution)) *executionv1alpha1.ActionExecution {
	t.Helper()
	ae := &executionv1alpha1.ActionExecution{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "scale-payments"},
		Spec:       executionv1alpha1.ActionExecutionSpec{ActionType: "kubernetes/scale_deployment"},
	}
	if mutate != nil {
		mutate(ae)
	}
	if err := env.Client.Create(envtest.Context(t), ae); err != nil {
		t.Fatalf("create ActionExecution: %v", err)
	}
	return ae
}

// loadContract parses and validates a contract of ../testdata.
func loadContract(t *testing.T, file string) *contract.ActionContract {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	c, err := contract.Parse(data)
	if err != nil {
		t.Fatalf("contract %s: %v", file, err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("contract %s is invalid: %v", file, err)
	}
	return c
}

// clientAs returns a client that impersonates user: requests are authorized by RBAC as that
// user, not as the administrator envtest connects as.
func clientAs(t *testing.T, user string) client.Client {
	t.Helper()
	cfg := rest.CopyConfig(env.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	c, err := client.New(cfg, client.Options{Scheme: env.Client.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
