package main

import (
	"context"
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// cluster is the real API server shared by this package's tests; each test has a namespace.
var cluster *kubetest.Cluster

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m, &cluster)) }

const contractFile = "action-contract.yaml"

// newPod creates a pod named name with labels, as the cluster administrator.
func newPod(t *testing.T, sb *kubetest.Sandbox, name string, labels map[string]string) *corev1.Pod {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: sb.Namespace, Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1"}}},
	}
	created, err := sb.Admin.CoreV1().Pods(sb.Namespace).Create(context.Background(), pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s: %v", name, err)
	}
	return created
}

// getPod reads the pod as the cluster administrator.
func getPod(t *testing.T, sb *kubetest.Sandbox, name string) *corev1.Pod {
	t.Helper()
	pod, err := sb.Admin.CoreV1().Pods(sb.Namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get pod %s: %v", name, err)
	}
	return pod
}

// runAction runs the action as the sandbox's ServiceAccount, through the SDK's runtime with the
// contract, exactly as the container would.
func runAction(t *testing.T, sb *kubetest.Sandbox, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	return sb.Run(t, quarantiner{kube: sb.ActionEnv()}.run, inputs, opts...)
}
