package main

import (
	"context"
	"os"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// cluster is the real API server shared by this package's tests; each test has a namespace.
var cluster *kubetest.Cluster

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m, &cluster)) }

const contractFile = "action-contract.yaml"

// allowFrontend is the policy most tests start from: pods app=api accept TCP 8080 from pods
// app=frontend.
func allowFrontend() *networkingv1.NetworkPolicy {
	port := intstr.FromInt32(8080)
	return &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "api"},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "frontend"}}}},
				Ports: []networkingv1.NetworkPolicyPort{{Port: &port}},
			}},
		},
	}
}

// newPolicy creates the policy as the cluster administrator.
func newPolicy(t *testing.T, sb *kubetest.Sandbox, np *networkingv1.NetworkPolicy) *networkingv1.NetworkPolicy {
	t.Helper()
	np.Namespace = sb.Namespace
	created, err := sb.Admin.NetworkingV1().NetworkPolicies(sb.Namespace).Create(context.Background(), np, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create networkpolicy %s: %v", np.Name, err)
	}
	return created
}

// getPolicy reads the policy as the cluster administrator; nil when it does not exist.
func getPolicy(t *testing.T, sb *kubetest.Sandbox, name string) *networkingv1.NetworkPolicy {
	t.Helper()
	np, err := sb.Admin.NetworkingV1().NetworkPolicies(sb.Namespace).Get(context.Background(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatalf("get networkpolicy %s: %v", name, err)
	}
	return np
}

// runAction runs the action as the sandbox's ServiceAccount, through the SDK's runtime with the
// contract, exactly as the container would.
func runAction(t *testing.T, sb *kubetest.Sandbox, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	return runActionWith(t, policyUpdater{kube: sb.ActionEnv()}, inputs, opts...)
}

// runActionWith runs u through the SDK's runtime with the contract.
func runActionWith(t *testing.T, u policyUpdater, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	opts = append([]actiontest.Option{actiontest.WithContractFile(contractFile)}, opts...)
	return actiontest.Run(t, u.run, inputs, opts...)
}

// newSandbox is cluster.NewSandbox, then waits until the API server's authorizer sees the
// contract's rules. RBAC is served from an informer cache, so a request made right after the
// RoleBinding was created can still be Forbidden; a test that runs the action at once (a
// missing target, a creation) flaked that way.
func newSandbox(t *testing.T) *kubetest.Sandbox {
	t.Helper()
	sb := cluster.NewSandbox(t, contractFile)
	probe := kubetest.Attrs("networking.k8s.io", "networkpolicies", "", "get")
	for deadline := time.Now().Add(10 * time.Second); !sb.Allowed(t, probe); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the contract's rules did not take effect within 10s for %s", sb.User)
		}
	}
	return sb
}
