package main

import (
	"context"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// cluster is the real API server shared by this package's tests; each test has a namespace.
var cluster *kubetest.Cluster

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m, &cluster)) }

const contractFile = "action-contract.yaml"

// notReady is the taint that the API server's TaintNodesByCondition admission puts on every new
// node until a kubelet reports it ready; envtest runs none, so the test nodes keep it, after the
// taints a test gives.
const notReady = "node.kubernetes.io/not-ready:NoSchedule"

// newNode creates a node with taints, named after the sandbox (nodes are cluster-scoped, so
// tests must not share names), as the cluster administrator, and deletes it when the test ends.
func newNode(t *testing.T, sb *kubetest.Sandbox, taints ...corev1.Taint) *corev1.Node {
	t.Helper()
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: sb.Namespace + "-node", Labels: map[string]string{"team": "sre"}},
		Spec:       corev1.NodeSpec{Taints: taints},
	}
	created, err := sb.Admin.CoreV1().Nodes().Create(context.Background(), n, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create node: %v", err)
	}
	t.Cleanup(func() { _ = sb.Admin.CoreV1().Nodes().Delete(context.Background(), n.Name, metav1.DeleteOptions{}) })
	return created
}

// getNode reads the node as the cluster administrator.
func getNode(t *testing.T, sb *kubetest.Sandbox, name string) *corev1.Node {
	t.Helper()
	n, err := sb.Admin.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get node %s: %v", name, err)
	}
	return n
}

// runAction runs the action as the sandbox's ServiceAccount, through the SDK's runtime with the
// contract, exactly as the container would.
func runAction(t *testing.T, sb *kubetest.Sandbox, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	return runActionWith(t, tainter{kube: sb.ActionEnv()}, inputs, opts...)
}

// runActionWith runs a through the SDK's runtime with the contract.
func runActionWith(t *testing.T, a tainter, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	opts = append([]actiontest.Option{actiontest.WithContractFile(contractFile)}, opts...)
	return actiontest.Run(t, a.run, inputs, opts...)
}

// mustSucceed fails the test unless r is a success.
func mustSucceed(t *testing.T, r actiontest.Result) {
	t.Helper()
	if r.ExitCode != action.ExitSuccess {
		t.Fatalf("exit code %d, want success; stderr:\n%s", r.ExitCode, r.Stderr)
	}
}

// diffOutputs compares r's outputs with want.
func diffOutputs(t *testing.T, want map[string]any, r actiontest.Result) {
	t.Helper()
	if diff := cmp.Diff(actiontest.Normalize(t, want), r.Outputs); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
}

// noCluster is a kube.Env for runs that must fail before they connect.
func noCluster(t *testing.T) kube.Env {
	return kube.Env{
		NewClient: func() (kubernetes.Interface, error) {
			t.Error("the action connected to the API server; it should have failed before")
			return nil, os.ErrInvalid
		},
	}
}
