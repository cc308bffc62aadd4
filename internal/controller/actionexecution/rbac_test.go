package actionexecution_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionjob"
	"github.com/kubernaut/kubernaut/internal/controller/actionexecution"
)

// startClusterAction starts a manager whose registry holds test/cluster, an action with a
// cluster-scoped permission, and returns a new ActionExecution of it (not yet created).
func startClusterAction(t *testing.T) *executionv1alpha1.ActionExecution {
	t.Helper()
	s := newSignedAction(t, "cluster", "actions/cluster", clusterContract)
	s.cp.writeRegistry(t, registryEntry{actionType: "test/cluster", image: s.image})
	s.cp.startManager(t)
	return newActionExecution(s.ns, "test/cluster", "")
}

func TestActionExecution_grantsClusterPermissionsOnlyWhileTheActionRuns(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ae := startClusterAction(t)
	create(t, ae)
	running := waitForPhase(t, ae, executionv1alpha1.PhaseRunning)
	g.Expect(running.Finalizers).To(ContainElement(actionexecution.ClusterRBACFinalizer),
		"a ClusterRole cannot be owned by the run, so a finalizer guards its deletion")
	name := client.ObjectKey{Name: actionjob.ClusterRBACName(running)}
	role := &rbacv1.ClusterRole{}
	g.Expect(env.Client.Get(ctx, name, role)).To(Succeed())
	g.Expect(role.Rules).To(ConsistOf(rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list"}}))
	g.Expect(env.Client.Get(ctx, name, &rbacv1.ClusterRoleBinding{})).To(Succeed())

	job := jobOf(t, ae)
	finishPod(t, job, corev1.PodSucceeded, 0, `{}`)
	completeJob(t, job)
	waitForPhase(t, ae, executionv1alpha1.PhaseSucceeded)
	g.Eventually(func(g Gomega) {
		g.Expect(apierrors.IsNotFound(env.Client.Get(ctx, name, &rbacv1.ClusterRole{}))).To(BeTrue(), "ClusterRole deleted")
		g.Expect(apierrors.IsNotFound(env.Client.Get(ctx, name, &rbacv1.ClusterRoleBinding{}))).To(BeTrue(), "ClusterRoleBinding deleted")
		g.Expect(fetch(g, ae).Finalizers).NotTo(ContainElement(actionexecution.ClusterRBACFinalizer))
	}, eventually, poll).Should(Succeed())
}

func TestActionExecution_deletingARunningRunReleasesItsClusterPermissions(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ae := startClusterAction(t)
	create(t, ae)
	running := waitForPhase(t, ae, executionv1alpha1.PhaseRunning)
	name := client.ObjectKey{Name: actionjob.ClusterRBACName(running)}
	g.Expect(env.Client.Get(ctx, name, &rbacv1.ClusterRole{})).To(Succeed())

	g.Expect(env.Client.Delete(ctx, running)).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(apierrors.IsNotFound(env.Client.Get(ctx, name, &rbacv1.ClusterRole{}))).To(BeTrue(), "ClusterRole deleted")
		g.Expect(apierrors.IsNotFound(env.Client.Get(ctx, name, &rbacv1.ClusterRoleBinding{}))).To(BeTrue(), "ClusterRoleBinding deleted")
		g.Expect(apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(ae), ae))).To(BeTrue(),
			"the finalizer is removed, so the ActionExecution goes")
	}, eventually, poll).Should(Succeed())
}
