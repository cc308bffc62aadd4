package main

import (
	"context"
	"os"
	"testing"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// cluster is the real API server shared by this package's tests; each test has a namespace.
var cluster *kubetest.Cluster

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m, &cluster)) }

const contractFile = "action-contract.yaml"

// minAvailable and maxUnavailable build a budget's spec for pods app=web.
func minAvailable(v intstr.IntOrString) policyv1.PodDisruptionBudgetSpec {
	return policyv1.PodDisruptionBudgetSpec{MinAvailable: &v, Selector: webSelector()}
}

func maxUnavailable(v intstr.IntOrString) policyv1.PodDisruptionBudgetSpec {
	return policyv1.PodDisruptionBudgetSpec{MaxUnavailable: &v, Selector: webSelector()}
}

func webSelector() *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
}

// newPDB creates the budget "web" with spec as the cluster administrator.
func newPDB(t *testing.T, sb *kubetest.Sandbox, spec policyv1.PodDisruptionBudgetSpec) *policyv1.PodDisruptionBudget {
	t.Helper()
	pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: sb.Namespace}, Spec: spec}
	created, err := sb.Admin.PolicyV1().PodDisruptionBudgets(sb.Namespace).Create(context.Background(), pdb, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create poddisruptionbudget web: %v", err)
	}
	return created
}

// observe writes the status the disruption controller would write for the budget "web" with
// expected pods of which healthy are healthy (envtest runs no controllers).
func observe(t *testing.T, sb *kubetest.Sandbox, expected, healthy, desired int32) *policyv1.PodDisruptionBudget {
	t.Helper()
	pdb := getPDB(t, sb)
	pdb.Status = policyv1.PodDisruptionBudgetStatus{
		ObservedGeneration: pdb.Generation, ExpectedPods: expected, CurrentHealthy: healthy,
		DesiredHealthy: desired, DisruptionsAllowed: max(healthy-desired, 0),
	}
	updated, err := sb.Admin.PolicyV1().PodDisruptionBudgets(sb.Namespace).UpdateStatus(context.Background(), pdb, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("write the budget's status: %v", err)
	}
	return updated
}

// getPDB reads the budget "web" as the cluster administrator.
func getPDB(t *testing.T, sb *kubetest.Sandbox) *policyv1.PodDisruptionBudget {
	t.Helper()
	pdb, err := sb.Admin.PolicyV1().PodDisruptionBudgets(sb.Namespace).Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get poddisruptionbudget web: %v", err)
	}
	return pdb
}

// runAction runs the action as the sandbox's ServiceAccount, through the SDK's runtime with the
// contract, exactly as the container would.
func runAction(t *testing.T, sb *kubetest.Sandbox, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	return sb.Run(t, relaxer{kube: sb.ActionEnv()}.run, inputs, opts...)
}
