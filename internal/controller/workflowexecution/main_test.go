package workflowexecution_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionjob"
	"github.com/kubernaut/kubernaut/internal/controller/workflowexecution"
	"github.com/kubernaut/kubernaut/internal/manager"
	"github.com/kubernaut/kubernaut/internal/settings"
	"github.com/kubernaut/kubernaut/internal/testutil/envtest"
	"github.com/kubernaut/kubernaut/internal/testutil/managertest"
)

// env is the real control plane (kube-apiserver and etcd from bin/k8s) shared by the tests; each
// test works in a namespace of its own, with a manager of its own.
var env *envtest.Environment

func TestMain(m *testing.M) { os.Exit(managertest.Main(m, &env, managertest.TektonCRDs()...)) }

// Timeouts of Eventually: generous, because two cores are shared with compilers.
const (
	eventually = 30 * time.Second
	poll       = 50 * time.Millisecond
)

// epoch is where the fake clocks start: the controller stamps times from them, so tests can
// move past a backoff or a deadline without waiting.
var epoch = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// newNamespace creates a namespace for one test. Namespaces are not deleted: envtest has no
// namespace controller, and the control plane's data is discarded when the test binary ends.
func newNamespace(t testing.TB, prefix string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"}}
	if err := env.Client.Create(context.Background(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

// harness runs the WorkflowExecution controller alone, for one namespace, with a fake clock and
// a settings store the test controls. The test plays the ActionExecution controller: it writes
// the status of the ActionExecutions the workflow controller creates.
type harness struct {
	ns       string
	clock    *clocktesting.FakeClock
	settings *settings.Store
	// tekton adds the Tekton engine and its watches; the test then also plays Tekton.
	tekton bool
}

// newHarness prepares a namespace, a fake clock at epoch and the default settings.
func newHarness(t testing.TB, prefix string) *harness {
	t.Helper()
	return &harness{ns: newNamespace(t, prefix), clock: clocktesting.NewFakeClock(epoch), settings: settings.NewStore(settings.Defaults())}
}

// start starts a manager running the WorkflowExecution controller, wired as internal/manager
// wires it but with the harness's clock and settings, and stops it when the test ends or when
// the returned function is called, whichever is first.
func (h *harness) start(t testing.TB) (stop func()) {
	t.Helper()
	skip := true
	// The manager's client limits (ADR-020), as internal/manager sets them: client-go's own
	// default of 5 requests per second would throttle the benchmark, not the controller.
	cfg := rest.CopyConfig(env.Config)
	cfg.QPS, cfg.Burst = manager.DefaultQPS, manager.DefaultBurst
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 env.Client.Scheme(),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  cache.Options{DefaultNamespaces: map[string]cache.Config{h.ns: {}}},
		Controller:             config.Controller{SkipNameValidation: &skip},
	})
	if err != nil {
		t.Fatalf("create manager: %v", err)
	}
	r := &workflowexecution.Reconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Settings:  h.settings,
		Engines: map[workflowv1alpha1.Engine]workflowexecution.Engine{
			workflowv1alpha1.EngineJobs: &workflowexecution.JobEngine{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Clock: h.clock},
		},
		Clock:    h.clock,
		Recorder: mgr.GetEventRecorder("kubernaut-workflowexecution"),
	}
	if h.tekton {
		r.Engines[workflowv1alpha1.EngineTekton] = &workflowexecution.TektonEngine{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Clock: h.clock}
	}
	if err := r.SetupWithManager(mgr, workflowexecution.ReconcilerOptions{MaxConcurrentReconciles: 2, WatchTekton: h.tekton}); err != nil {
		t.Fatalf("set up the controller: %v", err)
	}
	return run(t, mgr)
}

// run starts mgr and returns its idempotent stop function, also registered as a cleanup.
func run(t testing.TB, mgr ctrl.Manager) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	var stopped atomic.Bool
	stop = func() {
		if stopped.Swap(true) {
			return
		}
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

// step is shorthand for a WorkflowStep of action test/scale with JSON inputs ("" for none).
func step(name, inputs string, runAfter ...string) workflowv1alpha1.WorkflowStep {
	s := workflowv1alpha1.WorkflowStep{Name: name, ActionType: "test/scale", RunAfter: runAfter}
	if inputs != "" {
		s.Inputs = &runtime.RawExtension{Raw: []byte(inputs)}
	}
	return s
}

// newWorkflow returns a WorkflowExecution named name in ns with steps.
func newWorkflow(ns, name string, steps ...workflowv1alpha1.WorkflowStep) *workflowv1alpha1.WorkflowExecution {
	return &workflowv1alpha1.WorkflowExecution{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       workflowv1alpha1.WorkflowExecutionSpec{Steps: steps},
	}
}

// fetch returns the current WorkflowExecution, for Eventually.
func fetch(g Gomega, wfe *workflowv1alpha1.WorkflowExecution) *workflowv1alpha1.WorkflowExecution {
	got := &workflowv1alpha1.WorkflowExecution{}
	g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(wfe), got)).To(Succeed())
	return got
}

// waitForPhase waits until the workflow reaches phase and returns it.
func waitForPhase(t testing.TB, wfe *workflowv1alpha1.WorkflowExecution, phase workflowv1alpha1.WorkflowPhase) *workflowv1alpha1.WorkflowExecution {
	t.Helper()
	var got *workflowv1alpha1.WorkflowExecution
	NewWithT(t).Eventually(func(g Gomega) {
		got = fetch(g, wfe)
		g.Expect(got.Status.Phase).To(Equal(phase), "status: %+v", got.Status)
	}, eventually, poll).Should(Succeed())
	return got
}

// waitForStep waits until the named step reaches phase and returns the workflow.
func waitForStep(t testing.TB, wfe *workflowv1alpha1.WorkflowExecution, name string, phase workflowv1alpha1.StepPhase) *workflowv1alpha1.WorkflowExecution {
	t.Helper()
	var got *workflowv1alpha1.WorkflowExecution
	NewWithT(t).Eventually(func(g Gomega) {
		got = fetch(g, wfe)
		st := got.Status.StepStatus(name)
		g.Expect(st).NotTo(BeNil(), "status: %+v", got.Status)
		g.Expect(st.Phase).To(Equal(phase), "step %s: %+v", name, *st)
	}, eventually, poll).Should(Succeed())
	return got
}

// ready returns the workflow's Ready condition, nil when absent.
func ready(wfe *workflowv1alpha1.WorkflowExecution) *metav1.Condition {
	return apimeta.FindStatusCondition(wfe.Status.Conditions, workflowv1alpha1.ReadyCondition)
}

// childKey is the key of the ActionExecution of one attempt of a step: the name is derived from
// the workflow, the step and the attempt, which is what keeps a restarted controller from
// creating a second one.
func childKey(wfe *workflowv1alpha1.WorkflowExecution, step string, attempt int) client.ObjectKey {
	return client.ObjectKey{Namespace: wfe.Namespace, Name: actionjob.ChildName(wfe.Name, step+"-"+strconv.Itoa(attempt))}
}

// waitForChild waits for the ActionExecution of one attempt of a step and returns it.
func waitForChild(t testing.TB, wfe *workflowv1alpha1.WorkflowExecution, step string, attempt int) *executionv1alpha1.ActionExecution {
	t.Helper()
	ae := &executionv1alpha1.ActionExecution{}
	NewWithT(t).Eventually(func() error {
		return env.Client.Get(context.Background(), childKey(wfe, step, attempt), ae)
	}, eventually, poll).Should(Succeed(), "ActionExecution of step %s attempt %d", step, attempt)
	return ae
}

// children lists the workflow's ActionExecutions from the API server.
func children(t testing.TB, wfe *workflowv1alpha1.WorkflowExecution) []executionv1alpha1.ActionExecution {
	t.Helper()
	var list executionv1alpha1.ActionExecutionList
	if err := env.Client.List(context.Background(), &list, client.InNamespace(wfe.Namespace),
		client.MatchingLabels{workflowexecution.LabelWorkflow: wfe.Name}); err != nil {
		t.Fatalf("list ActionExecutions: %v", err)
	}
	return list.Items
}

// poke changes an annotation, which asks the controller for a reconcile: after the test moved
// the fake clock, nothing else would wake it before the real-time requeue.
func poke(t testing.TB, wfe *workflowv1alpha1.WorkflowExecution) {
	t.Helper()
	patch := fmt.Appendf(nil, `{"metadata":{"annotations":{"test.kubernaut.ai/poke":%q}}}`, time.Now().Format(time.RFC3339Nano))
	if err := env.Client.Patch(context.Background(), wfe, client.RawPatch("application/merge-patch+json", patch)); err != nil {
		t.Fatalf("poke %s: %v", wfe.Name, err)
	}
}

// setCancel sets spec.cancel.
func setCancel(t testing.TB, wfe *workflowv1alpha1.WorkflowExecution) {
	t.Helper()
	patch := []byte(`{"spec":{"cancel":true}}`)
	if err := env.Client.Patch(context.Background(), wfe, client.RawPatch("application/merge-patch+json", patch)); err != nil {
		t.Fatalf("cancel %s: %v", wfe.Name, err)
	}
}
