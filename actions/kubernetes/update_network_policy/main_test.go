package main

import (
	"context"
	"os"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
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

// runAction runs the action as the sandbox's ServiceAccount, through the SDK's runtime with the
// contract, exactly as the container would.
func runAction(t *testing.T, sb *kubetest.Sandbox, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	return sb.Run(t, policyUpdater{kube: sb.ActionEnv()}.run, inputs, opts...)
}
