package apitest_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/testutil/envtest"
)

// env is the control plane shared by the tests of this package; each test works in its own
// namespace.
var env *envtest.Environment

func TestMain(m *testing.M) {
	os.Exit(envtest.Main(m, envtest.Options{
		CRDDirectoryPaths: []string{filepath.Join("..", "..", "config", "crd", "bases")},
		Scheme:            newScheme(),
	}, &env))
}

// newScheme knows the built-in kinds, CustomResourceDefinitions and ours. A scheme that cannot be built is a programming
// error, so it panics, which fails the test binary loudly.
func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme, executionv1alpha1.AddToScheme,
		workflowv1alpha1.AddToScheme,
	} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}

// newNamespace creates a namespace for one test. It is not deleted: envtest has no namespace
// controller, and the control plane's data is discarded when the test binary ends.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "apitest-"}}
	if err := env.Client.Create(envtest.Context(t), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

// validDigestRef is an image reference pinned by digest, as spec.image requires.
const validDigestRef = "registry.example/actions/scale@sha256:" +
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// newActionExecution returns a minimal valid ActionExecution in namespace ns; mutate tweaks it.
func newActionExecution(ns string, mutate ...func(*executionv1alpha1.ActionExecution)) *executionv1alpha1.ActionExecution {
	obj := &executionv1alpha1.ActionExecution{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: "ae-"},
		Spec:       executionv1alpha1.ActionExecutionSpec{ActionType: "kubernetes/scale_deployment"},
	}
	for _, m := range mutate {
		m(obj)
	}
	return obj
}

// rawJSON wraps a JSON document for a RawExtension field.
func rawJSON(doc string) *runtime.RawExtension {
	return &runtime.RawExtension{Raw: []byte(doc)}
}

// decodeJSON decodes a RawExtension into generic Go values, so that two documents compare by
// meaning rather than by key order or spacing.
func decodeJSON(t *testing.T, raw *runtime.RawExtension) any {
	t.Helper()
	if raw == nil {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw.Raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw.Raw, err)
	}
	return v
}
