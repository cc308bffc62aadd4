package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// cluster is the real API server shared by this package's tests; each test has a namespace.
var cluster *kubetest.Cluster

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m, &cluster)) }

const contractFile = "action-contract.yaml"

// newDeployment creates a Deployment named name with replicas in the sandbox's namespace, as
// the cluster administrator.
func newDeployment(t *testing.T, sb *kubetest.Sandbox, name string, replicas int32) *appsv1.Deployment {
	t.Helper()
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: sb.Namespace},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1"}}},
			},
		},
	}
	created, err := sb.Admin.AppsV1().Deployments(sb.Namespace).Create(context.Background(), d, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create deployment %s: %v", name, err)
	}
	return created
}

// getDeployment reads the Deployment as the cluster administrator.
func getDeployment(t *testing.T, sb *kubetest.Sandbox, name string) *appsv1.Deployment {
	t.Helper()
	d, err := sb.Admin.AppsV1().Deployments(sb.Namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get deployment %s: %v", name, err)
	}
	return d
}

// runAction runs the action as the sandbox's ServiceAccount, through the SDK's runtime with the
// contract, exactly as the container would.
func runAction(t *testing.T, sb *kubetest.Sandbox, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	return runActionWith(t, restarter{kube: sb.ActionEnv(), now: clock}, inputs, opts...)
}

// runActionWith runs r through the SDK's runtime with the contract.
func runActionWith(t *testing.T, r restarter, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	opts = append([]actiontest.Option{actiontest.WithContractFile(contractFile)}, opts...)
	return actiontest.Run(t, r.run, inputs, opts...)
}

// now is the time of every restart in the tests, and clock returns it.
var now = time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

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
