package actionexecution_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionjob"
	"github.com/kubernaut/kubernaut/internal/manager"
	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
)

// shippedNamespace and shippedServiceAccount are what config/rbac grants to.
const (
	shippedNamespace      = "kubernaut-system"
	shippedServiceAccount = "system:serviceaccount:kubernaut-system:kubernaut-manager"
)

// TestActionExecution_runsWithOnlyTheShippedRBAC runs the manager as its own ServiceAccount,
// holding nothing but config/rbac, on an API server that enforces RBAC: reading the registry and
// the trust Secret, creating the per-run ServiceAccount and RBAC (which the API server allows
// only within the ceiling the manager holds), the Job, events, reading the finished pod and
// deleting the cluster-scoped RBAC must all be allowed.
func TestActionExecution_runsWithOnlyTheShippedRBAC(t *testing.T) {
	g := NewWithT(t)
	applyShippedRBAC(t)
	reg := registrytest.Start(t)
	key := newSigner(t)
	scale := pushAction(t, reg, "actions/scale", scaleContract)
	cluster := pushAction(t, reg, "actions/cluster", clusterContract)
	key.sign(t, scale)
	key.sign(t, cluster)
	ns := newNamespace(t, "shipped")
	cp := &controlPlane{namespace: shippedNamespace, watch: []string{ns}, ceiling: manager.DefaultCeilingClusterRole}
	upsert(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: shippedNamespace, Name: "cosign-pub"},
		Data:       map[string][]byte{"cosign.pub": key.publicPEM},
	})
	cp.writeRegistry(t,
		registryEntry{actionType: "test/scale", image: scale.String()},
		registryEntry{actionType: "test/cluster", image: cluster.String()})
	cp.startManagerAs(t, shippedServiceAccount)

	for _, tc := range []struct{ actionType, inputs, outputs string }{
		{"test/scale", `{"deployment":"web"}`, `{"previousReplicas":1}`},
		{"test/cluster", "", `{}`},
	} {
		ae := newActionExecution(ns, tc.actionType, tc.inputs)
		create(t, ae)
		running := waitForPhase(t, ae, executionv1alpha1.PhaseRunning)
		job := jobOf(t, running)
		finishPod(t, job, corev1.PodSucceeded, 0, tc.outputs)
		completeJob(t, job)
		done := waitForPhase(t, ae, executionv1alpha1.PhaseSucceeded)
		g.Expect(string(done.Status.Outputs.Raw)).To(MatchJSON(tc.outputs), tc.actionType)
		assertEvent(t, done, corev1.EventTypeNormal, executionv1alpha1.SucceededReason)
		g.Eventually(func(g Gomega) {
			g.Expect(fetch(g, ae).Finalizers).To(BeEmpty(), "cluster RBAC released by the manager itself")
		}, eventually, poll).Should(Succeed())
	}
}

// TestShippedRBAC_allowsTheWorkflowRetentionAndThePodWatch checks, as the manager's
// ServiceAccount holding nothing but config/rbac, the requests that the shipped-RBAC run above
// does not make: deleting a finished workflow (retention) and listing and watching the pods of
// Kubernaut's Jobs in every namespace (the pod cache).
func TestShippedRBAC_allowsTheWorkflowRetentionAndThePodWatch(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	applyShippedRBAC(t)
	cfg := rest.CopyConfig(env.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: shippedServiceAccount, Groups: []string{"system:serviceaccounts", "system:authenticated"}}
	asManager, err := client.NewWithWatch(cfg, client.Options{Scheme: env.Client.Scheme()})
	g.Expect(err).NotTo(HaveOccurred())

	wfe := &workflowv1alpha1.WorkflowExecution{
		ObjectMeta: metav1.ObjectMeta{Namespace: newNamespace(t, "retention"), Name: "finished"},
		Spec: workflowv1alpha1.WorkflowExecutionSpec{Steps: []workflowv1alpha1.WorkflowStep{
			{Name: "only", ActionType: "test/scale"},
		}},
	}
	create(t, wfe)
	g.Expect(asManager.Delete(ctx, wfe)).To(Succeed(), "deleting a workflow after its retention")

	managed := client.MatchingLabels{actionjob.LabelManagedBy: actionjob.ManagedBy}
	g.Expect(asManager.List(ctx, &corev1.PodList{}, managed)).To(Succeed(), "listing Kubernaut's pods in every namespace")
	w, err := asManager.Watch(ctx, &corev1.PodList{}, managed)
	g.Expect(err).NotTo(HaveOccurred(), "watching Kubernaut's pods in every namespace")
	w.Stop()
}

// applyShippedRBAC creates the manager's namespace (config/default) and every object of
// config/rbac, as `kubectl apply -k config/default` would.
func applyShippedRBAC(t *testing.T) {
	t.Helper()
	upsert(t, readManifest(t, filepath.Join(configDir, "default", "namespace.yaml")))
	files, err := filepath.Glob(filepath.Join(configDir, "rbac", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s/rbac: %v", configDir, err)
	}
	for _, file := range files {
		if !strings.HasSuffix(file, "kustomization.yaml") {
			upsert(t, readManifest(t, file))
		}
	}
}

// configDir holds the kustomize manifests.
var configDir = filepath.Join("..", "..", "..", "config")

// readManifest decodes a single-object manifest.
func readManifest(t *testing.T, file string) client.Object {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	obj, _, err := serializer.NewCodecFactory(env.Client.Scheme()).UniversalDeserializer().Decode(data, nil, nil)
	if err != nil {
		t.Fatalf("decode %s: %v", file, err)
	}
	return obj.(client.Object)
}

// TestShippedManager_podPassesTheRestrictedProfile admits (dry run) a pod of the manager
// Deployment's template in the shipped namespace, which enforces the restricted profile.
func TestShippedManager_podPassesTheRestrictedProfile(t *testing.T) {
	applyShippedRBAC(t)
	deployment, ok := readManifest(t, filepath.Join(configDir, "manager", "manager.yaml")).(*appsv1.Deployment)
	if !ok {
		t.Fatal("config/manager/manager.yaml is not a Deployment")
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: shippedNamespace, Name: "manager-dry-run", Labels: deployment.Spec.Template.Labels},
		Spec:       deployment.Spec.Template.Spec,
	}
	if err := env.Client.Create(context.Background(), pod, client.DryRunAll); err != nil {
		t.Fatalf("the manager's pod is not admitted: %v", err)
	}
}

// upsert creates obj, or replaces the object of that name (tests run with -count=N share the
// control plane, and these objects have fixed names).
func upsert(t *testing.T, obj client.Object) {
	t.Helper()
	ctx := context.Background()
	err := env.Client.Create(ctx, obj)
	if apierrors.IsAlreadyExists(err) {
		existing := obj.DeepCopyObject().(client.Object)
		if err = env.Client.Get(ctx, client.ObjectKeyFromObject(obj), existing); err == nil {
			obj.SetResourceVersion(existing.GetResourceVersion())
			err = env.Client.Update(ctx, obj)
		}
	}
	if err != nil {
		t.Fatalf("apply %T %s: %v", obj, obj.GetName(), err)
	}
}

// startManagerAs starts the manager impersonating user, so that the API server authorizes every
// request of the manager against that user's RBAC only.
func (cp *controlPlane) startManagerAs(t *testing.T, user string) {
	t.Helper()
	cfg := rest.CopyConfig(env.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: []string{"system:serviceaccounts", "system:authenticated"}}
	cp.startManagerWith(t, cfg)
}

// TestNamespaces_enforceTheRestrictedProfile is the control for the Pod Security checks the
// other tests rely on: the API server really refuses a privileged pod in a test namespace.
func TestNamespaces_enforceTheRestrictedProfile(t *testing.T) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: newNamespace(t, "psa"), Name: "privileged"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "c", Image: "example.invalid/x@sha256:" + strings.Repeat("0", 64),
			SecurityContext: &corev1.SecurityContext{Privileged: ptrTo(true)},
		}}},
	}
	err := env.Client.Create(context.Background(), pod, client.DryRunAll)
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "restricted") {
		t.Fatalf("creating a privileged pod: got %v, want a Forbidden error from the restricted Pod Security profile", err)
	}
}

func ptrTo[T any](v T) *T { return &v }
