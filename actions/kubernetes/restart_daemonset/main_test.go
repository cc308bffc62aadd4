package main

import (
	"context"
	"os"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// cluster is the real API server shared by this package's tests; each test has a namespace.
var cluster *kubetest.Cluster

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m, &cluster)) }

const contractFile = "action-contract.yaml"

// newDaemonSet creates a DaemonSet named name with the given update strategy in the sandbox's
// namespace, as the cluster administrator.
func newDaemonSet(t *testing.T, sb *kubetest.Sandbox, name string, strategy appsv1.DaemonSetUpdateStrategyType) *appsv1.DaemonSet {
	t.Helper()
	labels := map[string]string{"app": name}
	d := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: sb.Namespace},
		Spec: appsv1.DaemonSetSpec{
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: strategy},
			Selector:       &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1"}}},
			},
		},
	}
	created, err := sb.Admin.AppsV1().DaemonSets(sb.Namespace).Create(context.Background(), d, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create daemonset %s: %v", name, err)
	}
	return created
}

// getDaemonSet reads the DaemonSet as the cluster administrator.
func getDaemonSet(t *testing.T, sb *kubetest.Sandbox, name string) *appsv1.DaemonSet {
	t.Helper()
	d, err := sb.Admin.AppsV1().DaemonSets(sb.Namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get daemonset %s: %v", name, err)
	}
	return d
}

// runAction runs the action as the sandbox's ServiceAccount, through the SDK's runtime with the
// contract, exactly as the container would.
func runAction(t *testing.T, sb *kubetest.Sandbox, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	return sb.Run(t, restarter{kube: sb.ActionEnv(), now: clock}.run, inputs, opts...)
}

// now is the time of every restart in the tests, and clock returns it.
var now = time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)

func clock() time.Time { return now }
