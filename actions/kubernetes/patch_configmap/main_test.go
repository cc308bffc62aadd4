package main

import (
	"context"
	"os"
	"strings"
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
	return runActionWith(t, patcher{kube: sb.ActionEnv()}, inputs, opts...)
}

// runActionWith runs p through the SDK's runtime with the contract.
func runActionWith(t *testing.T, p patcher, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	opts = append([]actiontest.Option{actiontest.WithContractFile(contractFile)}, opts...)
	return actiontest.Run(t, p.run, inputs, opts...)
}

// mustSucceed fails the test unless r is a success.
func mustSucceed(t *testing.T, r actiontest.Result) {
	t.Helper()
	if r.ExitCode != action.ExitSuccess {
		t.Fatalf("exit code %d, want success; stderr:\n%s", r.ExitCode, r.Stderr)
	}
}

// mustFail fails the test unless r failed with code and a message containing want.
func mustFail(t *testing.T, r actiontest.Result, code int, want string) {
	t.Helper()
	if r.ExitCode != code {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", r.ExitCode, code, r.Stderr)
	}
	if !strings.Contains(r.Stderr, want) {
		t.Errorf("stderr does not contain %q:\n%s", want, r.Stderr)
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
		PodNamespace: func() (string, error) { return "workflows", nil },
	}
}
