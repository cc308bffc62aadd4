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

// newConfigMap creates a ConfigMap named name with data, as the cluster administrator.
func newConfigMap(t *testing.T, sb *kubetest.Sandbox, cm *corev1.ConfigMap) *corev1.ConfigMap {
	t.Helper()
	cm.Namespace = sb.Namespace
	created, err := sb.Admin.CoreV1().ConfigMaps(sb.Namespace).Create(context.Background(), cm, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create configmap %s: %v", cm.Name, err)
	}
	return created
}

// getConfigMap reads the ConfigMap as the cluster administrator.
func getConfigMap(t *testing.T, sb *kubetest.Sandbox, name string) *corev1.ConfigMap {
	t.Helper()
	cm, err := sb.Admin.CoreV1().ConfigMaps(sb.Namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get configmap %s: %v", name, err)
	}
	return cm
}

// runAction runs the action as the sandbox's ServiceAccount, through the SDK's runtime with the
// contract, exactly as the container would.
func runAction(t *testing.T, sb *kubetest.Sandbox, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	return sb.Run(t, patcher{kube: sb.ActionEnv()}.run, inputs, opts...)
}
