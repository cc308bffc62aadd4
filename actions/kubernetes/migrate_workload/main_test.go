package main

import (
	"context"
	"os"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// cluster is the real API server shared by this package's tests; each test has a namespace.
var cluster *kubetest.Cluster

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m, &cluster)) }

const contractFile = "action-contract.yaml"

// newNode creates a node named <namespace>-<suffix> (nodes are cluster-scoped) with the labels
// a kubelet sets (kubernetes.io/hostname) plus extra, and deletes it when the test ends. The
// API server's admission gives a new node the taint node.kubernetes.io/not-ready, which the
// node lifecycle controller would remove once the kubelet reports Ready; the test removes it
// in its stead, and then sets taints.
func newNode(t *testing.T, sb *kubetest.Sandbox, suffix string, extra map[string]string, taints ...corev1.Taint) string {
	t.Helper()
	ctx := context.Background()
	name := sb.Namespace + "-" + suffix
	labels := map[string]string{HostnameLabel: name}
	for k, v := range extra {
		labels[k] = v
	}
	nodes := sb.Admin.CoreV1().Nodes()
	n, err := nodes.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create node %s: %v", name, err)
	}
	t.Cleanup(func() { _ = nodes.Delete(context.Background(), name, metav1.DeleteOptions{}) })
	n.Spec.Taints = taints
	if _, err := nodes.Update(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("set the taints of node %s: %v", name, err)
	}
	return name
}

// newDeployment creates, as the cluster administrator, the Deployment web with 2 replicas and
// the pod template that edit changes (nil: the fixture's).
func newDeployment(t *testing.T, sb *kubetest.Sandbox, edit func(*corev1.PodTemplateSpec)) *appsv1.Deployment {
	t.Helper()
	labels := map[string]string{"app": "web"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: sb.Namespace},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: kubetest.PodSpec()},
		},
	}
	if edit != nil {
		edit(&d.Spec.Template)
	}
	created, err := sb.Admin.AppsV1().Deployments(sb.Namespace).Create(context.Background(), d, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create deployment web: %v", err)
	}
	return created
}

// newReadyPod creates a Running, Ready pod of the Deployment web's ReplicaSet web-<hash> on
// node, as the ReplicaSet controller, the scheduler and the kubelet would (envtest runs none).
func newReadyPod(t *testing.T, sb *kubetest.Sandbox, name, hash, node string) {
	t.Helper()
	ctx := context.Background()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: sb.Namespace,
			Labels: map[string]string{"app": "web", appsv1.DefaultDeploymentUniqueLabelKey: hash},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-" + hash, UID: types.UID("uid-web-" + hash), Controller: ptr.To(true),
			}},
		},
		Spec: kubetest.PodSpec(),
	}
	pod.Spec.NodeName = node
	pods := sb.Admin.CoreV1().Pods(sb.Namespace)
	created, err := pods.Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s: %v", name, err)
	}
	created.Status.Phase = corev1.PodRunning
	created.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	if _, err := pods.UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("write the status of pod %s: %v", name, err)
	}
}

// playRollout waits until the Deployment web reaches generation, then does what the
// controllers would: deletes the pods named in old, creates a ready pod of the new ReplicaSet
// (hash "new") on each node of placeOn, and reports the rollout complete.
func playRollout(t *testing.T, sb *kubetest.Sandbox, generation int64, old []string, placeOn ...string) <-chan struct{} {
	n := int32(len(placeOn))
	return sb.PlayDeploymentController(t, "web", generation, kubetest.Rollout{
		Before: func(ctx context.Context) {
			for _, name := range old {
				if err := sb.Admin.CoreV1().Pods(sb.Namespace).Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}); err != nil {
					t.Errorf("delete old pod %s: %v", name, err)
				}
			}
			for i, node := range placeOn {
				newReadyPod(t, sb, "web-new-"+string(rune('a'+i)), "new", node)
			}
		},
		Status: appsv1.DeploymentStatus{Replicas: n, UpdatedReplicas: n, ReadyReplicas: n, AvailableReplicas: n},
	})
}

// runAction runs the action as the sandbox's ServiceAccount, through the SDK's runtime with the
// contract, exactly as the container would.
func runAction(t *testing.T, sb *kubetest.Sandbox, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	return sb.Run(t, migrator{kube: sb.ActionEnv()}.run, inputs, opts...)
}
