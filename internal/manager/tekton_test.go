package manager_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	crenvtest "sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/kubernaut/kubernaut/internal/manager"
	"github.com/kubernaut/kubernaut/internal/testutil/envtest"
	"github.com/kubernaut/kubernaut/internal/testutil/managertest"
)

// env is a real control plane with Kubernaut's CRDs and, at first, not Tekton's.
var env *envtest.Environment

func TestMain(m *testing.M) { os.Exit(managertest.Main(m, &env)) }

// A manager started without Tekton keeps running while nothing changes, and stops with
// ErrTektonChanged once Tekton's CRDs are installed, so that its restart (the Deployment's)
// sets up the Tekton engine: installing Tekton after Kubernaut needs no manual restart.
func TestManager_stopsWhenTektonIsInstalledAfterItStarted(t *testing.T) {
	g := NewWithT(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "kubernaut-"}}
	g.Expect(env.Client.Create(ctx, ns)).To(Succeed())
	ceiling := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "ceiling-" + ns.Name}}
	g.Expect(env.Client.Create(ctx, ceiling)).To(Succeed())

	opts := manager.DefaultOptions()
	opts.Namespace, opts.CeilingClusterRole = ns.Name, ceiling.Name
	opts.MetricsBindAddress, opts.HealthProbeBindAddress, opts.LeaderElect = "0", "0", false
	opts.TektonRecheckInterval = 200 * time.Millisecond
	mgr, err := manager.New(ctx, env.Config, opts)
	g.Expect(err).NotTo(HaveOccurred())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	g.Consistently(done, 2*time.Second, 100*time.Millisecond).ShouldNot(Receive(), "nothing changed: the manager runs on")

	_, err = crenvtest.InstallCRDs(env.Config, crenvtest.CRDInstallOptions{Paths: managertest.TektonCRDs(), ErrorIfPathMissing: true})
	g.Expect(err).NotTo(HaveOccurred())
	var stopped error
	g.Eventually(done, 30*time.Second, 100*time.Millisecond).Should(Receive(&stopped))
	g.Expect(errors.Is(stopped, manager.ErrTektonChanged)).To(BeTrue(), "stopped with %v", stopped)
	g.Expect(stopped.Error()).To(ContainSubstring("installed at start: false, now: true"))
}
