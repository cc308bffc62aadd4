package actionexecution_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionjob"
	"github.com/kubernaut/kubernaut/internal/controller/actionexecution"
	"github.com/kubernaut/kubernaut/internal/signing"
)

// newTektonRun returns an ActionExecution of actionType for engine tekton (not yet created).
func newTektonRun(ns, actionType, inputs string) *executionv1alpha1.ActionExecution {
	ae := newActionExecution(ns, actionType, inputs)
	ae.Spec.Engine = executionv1alpha1.EngineTekton
	return ae
}

// restrictedContainer is the container security context of every action (DESIGN D5) for a
// contract that names no user: what the Job sets, and so what a prepared run records.
var restrictedContainer = &corev1.SecurityContext{
	AllowPrivilegeEscalation: ptr.To(false),
	Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	ReadOnlyRootFilesystem:   ptr.To(true),
	RunAsNonRoot:             ptr.To(true),
	RunAsUser:                ptr.To(actionjob.DefaultRunAsUser),
	RunAsGroup:               ptr.To(actionjob.DefaultRunAsUser),
}

func TestActionExecution_tektonEnginePreparesTheVerifiedRunWithoutCreatingAJob(t *testing.T) {
	g := NewWithT(t)
	key := newSigner(t)
	ns := newNamespace(t, "tekton")
	s := newPrivateSetup(t, newControlPlane(t, key.publicPEM, ns), ns, key)
	create(t, pullSecret(s.ns, "regcred", s.registry, registryUser, registryPassword))
	create(t, serviceAccount(s.ns, "default", "regcred"))
	s.cp.startManager(t)
	finishedBefore := metricValue(t, "kubernaut_actionexecution_finished_total",
		map[string]string{"phase": "Prepared", "reason": executionv1alpha1.PreparedReason})

	ae := newTektonRun(s.ns, "test/scale", `{"deployment":"web"}`)
	create(t, ae)
	prepared := waitForPhase(t, ae, executionv1alpha1.PhasePrepared)

	t.Run("the prepared block is what the Job would have run, private image credentials included", func(t *testing.T) {
		got := prepared.Status.Prepared
		NewWithT(t).Expect(got).NotTo(BeNil())
		NewWithT(t).Expect(string(got.Inputs.Raw)).To(MatchJSON(`{"deployment":"web","replicas":3}`),
			"the contract's default is applied to the absent input")
		want := executionv1alpha1.PreparedLaunch{
			Image:              s.images["test/scale"],
			ServiceAccountName: actionjob.RBACName(prepared),
			ImagePullSecrets:   []corev1.LocalObjectReference{{Name: "regcred"}},
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("32Mi")},
			},
			SecurityContext: restrictedContainer,
		}
		withoutInputs := got.DeepCopy()
		withoutInputs.Inputs = nil
		if diff := cmp.Diff(want, *withoutInputs, quantitiesByValue); diff != "" {
			t.Errorf("status.prepared (-want +got):\n%s", diff)
		}
	})
	t.Run("the status records what was verified, Ready says Prepared and no Job is referenced", func(t *testing.T) {
		g := NewWithT(t)
		pub, err := signing.LoadPublicKey(key.publicPEM)
		g.Expect(err).NotTo(HaveOccurred())
		st := prepared.Status
		g.Expect(st.VerifiedDigest).To(Equal(digestOf(s.images["test/scale"])))
		g.Expect(st.Signer).To(Equal(&executionv1alpha1.Signer{Format: executionv1alpha1.SignatureFormatBundle, KeyID: signing.KeyID(pub)}))
		g.Expect(st.Contract).To(Equal(&executionv1alpha1.ContractReference{Name: "scale-test", Version: "v1.2.3"}))
		g.Expect(st.ObservedGeneration).To(Equal(prepared.Generation))
		g.Expect(st.JobRef).To(BeNil())
		g.Expect(st.Outputs).To(BeNil())
		g.Expect(condition(prepared, executionv1alpha1.ReadyCondition)).To(And(
			HaveField("Status", metav1.ConditionTrue), HaveField("Reason", executionv1alpha1.PreparedReason),
			HaveField("Message", ContainSubstring(s.images["test/scale"]))))
		for _, c := range []string{executionv1alpha1.VerifiedCondition, executionv1alpha1.ContractLoadedCondition} {
			g.Expect(condition(prepared, c)).To(HaveField("Status", metav1.ConditionTrue), c)
		}
		g.Expect(condition(prepared, executionv1alpha1.JobCreatedCondition)).To(BeNil(), "no Job, no JobCreated")
	})
	t.Run("no Job exists, and the contract's ServiceAccount, Role and RoleBinding do, owned by the run", func(t *testing.T) {
		assertNoJob(t, s.ns)
		assertOwnedRBAC(t, prepared)
	})
	t.Run("a Normal event Prepared and the finished-runs metric announce it", func(t *testing.T) {
		assertEvent(t, prepared, corev1.EventTypeNormal, executionv1alpha1.PreparedReason)
		NewWithT(t).Expect(metricValue(t, "kubernaut_actionexecution_finished_total",
			map[string]string{"phase": "Prepared", "reason": executionv1alpha1.PreparedReason})).To(Equal(finishedBefore + 1))
	})
	g.Expect(prepared.Finalizers).NotTo(ContainElement(actionexecution.ClusterRBACFinalizer),
		"namespaced permissions need no finalizer")
}

// quantitiesByValue compares resource quantities by value: the API server may write them back
// in another spelling ("0.1" for "100m").
var quantitiesByValue = cmp.Comparer(func(a, b resource.Quantity) bool { return a.Cmp(b) == 0 })

// assertNoJob checks that the namespace holds no Job at all.
func assertNoJob(t *testing.T, ns string) {
	t.Helper()
	var jobs batchv1.JobList
	g := NewWithT(t)
	g.Expect(env.Client.List(context.Background(), &jobs, client.InNamespace(ns))).To(Succeed())
	g.Expect(jobs.Items).To(BeEmpty(), "engine tekton never creates a Job")
}

// A restarted controller reconciles every ActionExecution again; a Prepared one must come out
// untouched, and keep the cluster-scoped permissions its TaskRun runs with until it is deleted.
func TestActionExecution_aPreparedRunIsNeverPreparedAgainAndKeepsItsPermissionsUntilDeleted(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	s := newSignedAction(t, "tekton-restart", "actions/cluster", clusterContract)
	s.cp.writeRegistry(t, registryEntry{actionType: "test/cluster", image: s.image})
	stopFirst := s.cp.startManager(t)
	ae := newTektonRun(s.ns, "test/cluster", "")
	create(t, ae)
	prepared := waitForPhase(t, ae, executionv1alpha1.PhasePrepared)
	// Stopping waits for the reconcile in progress, so whatever it did after the status write
	// (such as releasing the cluster RBAC of a finished run) is done.
	stopFirst()
	first := snapshotRun(t, prepared)
	g.Expect(first.Run.Finalizers).To(ContainElement(actionexecution.ClusterRBACFinalizer))

	reconciled := reconcileCount(t)
	s.cp.startManager(t)
	g.Eventually(func() float64 { return reconcileCount(t) }, eventually, poll).Should(BeNumerically(">", reconciled),
		"the second manager reconciles the run")
	second := snapshotRun(t, prepared)
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("the run and its children after a second reconcile (-first +second):\n%s", diff)
	}
	assertNoJob(t, s.ns)

	g.Expect(env.Client.Delete(ctx, second.Run)).To(Succeed())
	name := client.ObjectKey{Name: actionjob.ClusterRBACName(prepared)}
	g.Eventually(func(g Gomega) {
		g.Expect(apierrors.IsNotFound(env.Client.Get(ctx, name, &rbacv1.ClusterRole{}))).To(BeTrue(), "ClusterRole deleted")
		g.Expect(apierrors.IsNotFound(env.Client.Get(ctx, name, &rbacv1.ClusterRoleBinding{}))).To(BeTrue(), "ClusterRoleBinding deleted")
		g.Expect(apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(ae), &executionv1alpha1.ActionExecution{}))).To(BeTrue(),
			"the finalizer is removed, so the ActionExecution goes")
	}, eventually, poll).Should(Succeed())
}

// runSnapshot is a prepared run with its children, by resource version: any write changes it.
type runSnapshot struct {
	Run                                      *executionv1alpha1.ActionExecution
	ServiceAccount, ClusterRole, ClusterBind string
}

func snapshotRun(t *testing.T, ae *executionv1alpha1.ActionExecution) runSnapshot {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	snap := runSnapshot{Run: &executionv1alpha1.ActionExecution{}}
	g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(ae), snap.Run)).To(Succeed())
	sa := &corev1.ServiceAccount{}
	g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: ae.Namespace, Name: actionjob.RBACName(ae)}, sa)).To(Succeed())
	role, bind := &rbacv1.ClusterRole{}, &rbacv1.ClusterRoleBinding{}
	g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: actionjob.ClusterRBACName(ae)}, role)).To(Succeed())
	g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: actionjob.ClusterRBACName(ae)}, bind)).To(Succeed())
	snap.ServiceAccount, snap.ClusterRole, snap.ClusterBind = sa.ResourceVersion, role.ResourceVersion, bind.ResourceVersion
	return snap
}

// reconcileCount is how many reconciles of ActionExecutions succeeded in this process, from
// controller-runtime's own metric.
func reconcileCount(t *testing.T) float64 {
	return metricValue(t, "controller_runtime_reconcile_total",
		map[string]string{"controller": actionexecution.ControllerName, "result": "success"})
}
