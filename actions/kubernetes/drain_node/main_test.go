package main

import (
	"context"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// cluster is the real API server shared by this package's tests; each test has a namespace.
var cluster *kubetest.Cluster

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m, &cluster)) }

const contractFile = "action-contract.yaml"

// testInterval replaces the 5 s between rounds, so that retries happen within a test.
const testInterval = 50 * time.Millisecond

// newNode creates a node named after the sandbox (nodes are cluster-scoped, so tests must not
// share names) as the cluster administrator, and deletes it when the test ends.
func newNode(t *testing.T, sb *kubetest.Sandbox) string {
	t.Helper()
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: sb.Namespace + "-node"}}
	if _, err := sb.Admin.CoreV1().Nodes().Create(context.Background(), n, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create node: %v", err)
	}
	t.Cleanup(func() { _ = sb.Admin.CoreV1().Nodes().Delete(context.Background(), n.Name, metav1.DeleteOptions{}) })
	return n.Name
}

// podOpts describe a test pod.
type podOpts struct {
	// OwnerKind is the kind of the pod's controller (ReplicaSet, DaemonSet); "" for none.
	OwnerKind string
	// Mirror marks the pod as the mirror of a static pod.
	Mirror bool
	// Labels are the pod's labels.
	Labels map[string]string
	// Phase is the pod's phase; Running (and Ready) when empty.
	Phase corev1.PodPhase
}

// newPod creates the pod namespace/name bound to node, as the cluster administrator, and writes
// the status a kubelet would: Running and Ready, unless o.Phase says otherwise. Only a running pod is protected by its
// PodDisruptionBudget; the Eviction API lets a pending one go regardless.
func newPod(t *testing.T, admin kubernetes.Interface, namespace, name, node string, o podOpts) *corev1.Pod {
	t.Helper()
	ctx := context.Background()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: o.Labels},
		Spec:       corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1"}}},
	}
	if o.OwnerKind != "" {
		pod.OwnerReferences = []metav1.OwnerReference{{
			APIVersion: "apps/v1", Kind: o.OwnerKind, Name: name + "-owner", UID: types.UID(name + "-owner-uid"), Controller: ptrTo(true),
		}}
	}
	if o.Mirror {
		pod.Annotations = map[string]string{corev1.MirrorPodAnnotationKey: "hash"}
	}
	created, err := admin.CoreV1().Pods(namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s/%s: %v", namespace, name, err)
	}
	created.Status = corev1.PodStatus{
		Phase:      corev1.PodRunning,
		Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
	}
	if o.Phase != "" {
		created.Status = corev1.PodStatus{Phase: o.Phase}
	}
	if created, err = admin.CoreV1().Pods(namespace).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("write the status of pod %s/%s: %v", namespace, name, err)
	}
	return created
}

func ptrTo[T any](v T) *T { return &v }

// podExists reports whether namespace/name exists, as the cluster administrator sees it.
func podExists(t *testing.T, admin kubernetes.Interface, namespace, name string) bool {
	t.Helper()
	_, err := admin.CoreV1().Pods(namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	return err == nil
}

// newBudget creates a PodDisruptionBudget for the pods labelled app=app and writes the status
// the disruption controller would (envtest runs none): observed, with allowed disruptions.
func newBudget(t *testing.T, sb *kubetest.Sandbox, app string, allowed int32) *policyv1.PodDisruptionBudget {
	t.Helper()
	ctx := context.Background()
	pdb := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: app, Namespace: sb.Namespace},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: ptrTo(intstr.FromInt32(1)),
			Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
		},
	}
	created, err := sb.Admin.PolicyV1().PodDisruptionBudgets(sb.Namespace).Create(ctx, pdb, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create the budget: %v", err)
	}
	return setAllowedDisruptions(t, sb, created, allowed)
}

// setAllowedDisruptions writes the budget's status as the disruption controller would.
func setAllowedDisruptions(t testing.TB, sb *kubetest.Sandbox, pdb *policyv1.PodDisruptionBudget, allowed int32) *policyv1.PodDisruptionBudget {
	pdb.Status = policyv1.PodDisruptionBudgetStatus{
		ObservedGeneration: pdb.Generation, DisruptionsAllowed: allowed,
		CurrentHealthy: 1 + allowed, DesiredHealthy: 1, ExpectedPods: 1 + allowed,
	}
	updated, err := sb.Admin.PolicyV1().PodDisruptionBudgets(sb.Namespace).UpdateStatus(context.Background(), pdb, metav1.UpdateOptions{})
	if err != nil {
		t.Errorf("write the budget's status: %v", err)
		return pdb
	}
	return updated
}

// runAction runs the action as the sandbox's ServiceAccount, through the SDK's runtime with the
// contract, exactly as the container would.
func runAction(t *testing.T, sb *kubetest.Sandbox, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	return sb.Run(t, drainer{kube: sb.ActionEnv(), retryInterval: testInterval}.run, inputs, opts...)
}
