package settings_test

import (
	"context"
	"os"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	settingscontroller "github.com/kubernaut/kubernaut/internal/controller/settings"
	"github.com/kubernaut/kubernaut/internal/settings"
	"github.com/kubernaut/kubernaut/internal/testutil/envtest"
	"github.com/kubernaut/kubernaut/internal/testutil/managertest"
)

var env *envtest.Environment

func TestMain(m *testing.M) { os.Exit(managertest.Main(m, &env)) }

const (
	eventually = 30 * time.Second
	poll       = 50 * time.Millisecond
)

func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "kubernaut-"}}
	if err := env.Client.Create(context.Background(), ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}

// start runs the settings controller for ns, publishing to store, until the test ends.
func start(t *testing.T, ns string, store *settings.Store) {
	t.Helper()
	skip := true
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:                 env.Client.Scheme(),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  cache.Options{DefaultNamespaces: map[string]cache.Config{ns: {}}},
		Controller:             config.Controller{SkipNameValidation: &skip},
	})
	if err != nil {
		t.Fatalf("create manager: %v", err)
	}
	r := &settingscontroller.Reconciler{Client: mgr.GetClient(), Namespace: ns, Store: store,
		Recorder: mgr.GetEventRecorder("kubernaut-settings")}
	if err := r.SetupWithManager(mgr); err != nil {
		t.Fatalf("set up the controller: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager stopped with an error: %v", err)
		}
	})
}

func TestReconciler_appliesValidSettingsAndKeepsTheLastGoodOnes(t *testing.T) {
	g := NewWithT(t)
	ns := newNamespace(t)
	store := settings.NewStore(settings.Defaults())
	start(t, ns, store)
	ctx := context.Background()

	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: settings.ConfigMapName},
		Data:       map[string]string{settings.KeyMaxParallelSteps: "9", settings.KeyStepTimeout: "2m"},
	}
	g.Expect(env.Client.Create(ctx, cm)).To(Succeed())
	g.Eventually(func() int { return store.Load().MaxParallelSteps }, eventually, poll).Should(Equal(9), "a new ConfigMap applies")
	g.Expect(store.Load().StepTimeout).To(Equal(2 * time.Minute))

	cm.Data = map[string]string{settings.KeyMaxParallelSteps: "many"}
	g.Expect(env.Client.Update(ctx, cm)).To(Succeed())
	g.Eventually(func(g Gomega) {
		var list eventsv1.EventList
		g.Expect(env.Client.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
		g.Expect(list.Items).To(ContainElement(And(
			HaveField("Reason", settingscontroller.InvalidSettingsReason),
			HaveField("Type", corev1.EventTypeWarning),
			HaveField("Regarding.Name", settings.ConfigMapName),
			HaveField("Note", ContainSubstring(settings.KeyMaxParallelSteps)))))
	}, eventually, poll).Should(Succeed(), "an invalid ConfigMap is reported on it")
	g.Expect(store.Load().MaxParallelSteps).To(Equal(9), "the last good settings stay in force")

	g.Expect(env.Client.Delete(ctx, cm)).To(Succeed())
	g.Eventually(func() int { return store.Load().MaxParallelSteps }, eventually, poll).Should(Equal(settings.Defaults().MaxParallelSteps),
		"without the ConfigMap the defaults apply")
}

func TestInitial(t *testing.T) {
	ctx := context.Background()
	t.Run("an absent ConfigMap gives the defaults", func(t *testing.T) {
		g := NewWithT(t)
		s, err := settingscontroller.Initial(ctx, env.Client, newNamespace(t), nil)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(s.MaxParallelSteps).To(Equal(settings.Defaults().MaxParallelSteps))
	})
	t.Run("a valid ConfigMap gives its settings", func(t *testing.T) {
		g := NewWithT(t)
		ns := newNamespace(t)
		g.Expect(env.Client.Create(ctx, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: settings.ConfigMapName},
			Data:       map[string]string{settings.KeyWorkflowTimeout: "45m"},
		})).To(Succeed())
		s, err := settingscontroller.Initial(ctx, env.Client, ns, nil)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(s.WorkflowTimeout).To(Equal(45 * time.Minute))
	})
	t.Run("an invalid ConfigMap gives the defaults and says which key is wrong", func(t *testing.T) {
		g := NewWithT(t)
		ns := newNamespace(t)
		g.Expect(env.Client.Create(ctx, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: settings.ConfigMapName},
			Data:       map[string]string{settings.KeyWorkflowTimeout: "forever"},
		})).To(Succeed())
		s, err := settingscontroller.Initial(ctx, env.Client, ns, nil)
		g.Expect(err).To(MatchError(ContainSubstring(settings.KeyWorkflowTimeout)))
		g.Expect(s.WorkflowTimeout).To(Equal(settings.Defaults().WorkflowTimeout))
	})
}

func TestInitial_settingFlagsWinOverTheConfigMap(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	g.Expect(env.Client.Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: settings.ConfigMapName},
		Data:       map[string]string{settings.KeyWorkflowTimeout: "45m", settings.KeyMaxParallelSteps: "7"},
	})).To(Succeed())
	s, err := settingscontroller.Initial(ctx, env.Client, ns, map[string]string{settings.KeyMaxParallelSteps: "2"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(s.MaxParallelSteps).To(Equal(2), "the flag wins")
	g.Expect(s.WorkflowTimeout).To(Equal(45*time.Minute), "keys without a flag come from the ConfigMap")

	_, err = settingscontroller.Initial(ctx, env.Client, ns, map[string]string{"maxParalelSteps": "2"})
	g.Expect(err).To(MatchError(ContainSubstring(`did you mean "maxParallelSteps"`)), "a mistyped flag is an error")
}

func TestWithOverrides_leavesBothMapsUnchanged(t *testing.T) {
	g := NewWithT(t)
	data, overrides := map[string]string{"a": "1", "b": "2"}, map[string]string{"b": "3"}
	g.Expect(settingscontroller.WithOverrides(data, overrides)).To(Equal(map[string]string{"a": "1", "b": "3"}))
	g.Expect(data).To(Equal(map[string]string{"a": "1", "b": "2"}))
}
