package actionexecution_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionregistry"
	"github.com/kubernaut/kubernaut/internal/manager"
	"github.com/kubernaut/kubernaut/internal/testutil/envtest"
	"github.com/kubernaut/kubernaut/internal/testutil/managertest"
)

// env is the real control plane (kube-apiserver and etcd from bin/k8s) shared by the tests; each
// test works in namespaces of its own, with a manager of its own.
var env *envtest.Environment

func TestMain(m *testing.M) { os.Exit(managertest.Main(m, &env)) }

// Timeouts of Eventually: generous, because two cores are shared with compilers.
const (
	eventually = 30 * time.Second
	poll       = 100 * time.Millisecond
)

// newNamespace creates a namespace for one test, enforcing the restricted Pod Security profile
// as config/default's namespace does: every pod the tests create from a controller-built Job
// template is then admitted only if it satisfies the profile. Namespaces are not deleted:
// envtest has no namespace controller, and the control plane's data is discarded when the test
// binary ends.
func newNamespace(t testing.TB, prefix string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		GenerateName: prefix + "-",
		Labels:       map[string]string{"pod-security.kubernetes.io/enforce": "restricted"},
	}}
	if err := env.Client.Create(context.Background(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

// ceilingRules is the action permission ceiling of the tests: reading and patching workloads,
// never reading Secrets.
var ceilingRules = []rbacv1.PolicyRule{
	{APIGroups: []string{"apps"}, Resources: []string{"deployments", "deployments/scale"}, Verbs: []string{"get", "list", "watch", "patch", "update"}},
	{APIGroups: []string{""}, Resources: []string{"pods", "configmaps", "nodes"}, Verbs: []string{"get", "list", "watch"}},
}

// controlPlane is the controller side of a test: the controller's namespace holding the action
// registry and the trust material, and the namespaces whose ActionExecutions it reconciles.
type controlPlane struct {
	namespace string
	watch     []string
	ceiling   string
}

// newControlPlane creates the controller's namespace, its ceiling ClusterRole and the trust
// Secret holding pub, a cosign.pub PEM.
func newControlPlane(t testing.TB, pub []byte, watch ...string) *controlPlane {
	t.Helper()
	cp := &controlPlane{namespace: newNamespace(t, "kubernaut"), watch: watch}
	cp.ceiling = "ceiling-" + cp.namespace
	create(t, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: cp.ceiling}, Rules: ceilingRules})
	create(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: cp.namespace, Name: "cosign-pub"},
		Data:       map[string][]byte{actionregistry.DefaultPublicKeyKey: pub},
	})
	return cp
}

// registryEntry is one action type of the registry ConfigMap.
type registryEntry struct {
	actionType   string
	image        string
	verification actionregistry.Mode
}

// writeRegistry creates or replaces the action registry ConfigMap: the entries, and trust in the
// Secret cosign-pub without a transparency log (the test signatures are never uploaded to one).
func (cp *controlPlane) writeRegistry(t testing.TB, entries ...registryEntry) {
	t.Helper()
	var doc strings.Builder
	for _, e := range entries {
		fmt.Fprintf(&doc, "%s:\n  image: %s\n", e.actionType, e.image)
		if e.verification != "" {
			fmt.Fprintf(&doc, "  verification: %s\n", e.verification)
		}
	}
	if doc.Len() == 0 {
		doc.WriteString("{}\n")
	}
	cp.writeRegistryData(t, map[string]string{
		actionregistry.RegistryKey: doc.String(),
		actionregistry.TrustKey:    "keys:\n- secretRef: {name: cosign-pub}\ntlog: disabled\n",
	})
}

// writeRegistryData creates or replaces the action registry ConfigMap with data as given.
func (cp *controlPlane) writeRegistryData(t testing.TB, data map[string]string) {
	t.Helper()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: cp.namespace, Name: actionregistry.ConfigMapName}}
	ctx := context.Background()
	err := env.Client.Get(ctx, client.ObjectKeyFromObject(cm), cm)
	cm.Data = data
	if err == nil {
		err = env.Client.Update(ctx, cm)
	} else {
		err = env.Client.Create(ctx, cm)
	}
	if err != nil {
		t.Fatalf("write the action registry: %v", err)
	}
}

// startManager starts the real manager wiring (internal/manager) for cp as cluster
// administrator, and stops it when the test ends or when the returned function is called,
// whichever is first.
func (cp *controlPlane) startManager(t testing.TB) (stop func()) {
	t.Helper()
	return cp.startManagerWith(t, env.Config)
}

// startManagerWith starts the manager with the connection cfg.
func (cp *controlPlane) startManagerWith(t testing.TB, cfg *rest.Config) (stop func()) {
	t.Helper()
	opts := manager.DefaultOptions()
	opts.Namespace = cp.namespace
	opts.WatchNamespaces = cp.watch
	opts.CeilingClusterRole = cp.ceiling
	opts.MetricsBindAddress, opts.HealthProbeBindAddress = "0", "0"
	opts.LeaderElect = false
	opts.SkipControllerNameValidation = true
	ctx, cancel := context.WithCancel(context.Background())
	mgr, err := manager.New(ctx, cfg, opts)
	if err != nil {
		cancel()
		t.Fatalf("create manager: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager stopped with an error: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

// create creates obj with the admin client or fails the test.
func create(t testing.TB, obj client.Object) {
	t.Helper()
	if err := env.Client.Create(context.Background(), obj); err != nil {
		t.Fatalf("create %T %s: %v", obj, obj.GetName(), err)
	}
}

// newActionExecution returns an ActionExecution of actionType in ns with inputs as JSON.
func newActionExecution(ns, actionType, inputs string) *executionv1alpha1.ActionExecution {
	ae := &executionv1alpha1.ActionExecution{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: "run-"},
		Spec:       executionv1alpha1.ActionExecutionSpec{ActionType: actionType},
	}
	if inputs != "" {
		ae.Spec.Inputs = &runtime.RawExtension{Raw: []byte(inputs)}
	}
	return ae
}

// fetch returns the current ActionExecution, for Eventually.
func fetch(g Gomega, ae *executionv1alpha1.ActionExecution) *executionv1alpha1.ActionExecution {
	got := &executionv1alpha1.ActionExecution{}
	g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(ae), got)).To(Succeed())
	return got
}

// readyReason returns the reason of the Ready condition, "" when absent.
func readyReason(ae *executionv1alpha1.ActionExecution) string {
	for _, c := range ae.Status.Conditions {
		if c.Type == executionv1alpha1.ReadyCondition {
			return c.Reason
		}
	}
	return ""
}

// condition returns the condition of type condType, nil when absent.
func condition(ae *executionv1alpha1.ActionExecution, condType string) *metav1.Condition {
	for i := range ae.Status.Conditions {
		if ae.Status.Conditions[i].Type == condType {
			return &ae.Status.Conditions[i]
		}
	}
	return nil
}

// waitForPhase waits until the ActionExecution reaches phase and returns it.
func waitForPhase(t *testing.T, ae *executionv1alpha1.ActionExecution, phase executionv1alpha1.ActionExecutionPhase) *executionv1alpha1.ActionExecution {
	t.Helper()
	var got *executionv1alpha1.ActionExecution
	NewWithT(t).Eventually(func(g Gomega) {
		got = fetch(g, ae)
		g.Expect(got.Status.Phase).To(Equal(phase), "status: %+v", got.Status)
	}, eventually, poll).Should(Succeed())
	return got
}
