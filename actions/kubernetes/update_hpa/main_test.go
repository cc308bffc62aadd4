package main

import (
	"context"
	"os"
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// cluster is the real API server shared by this package's tests; each test has a namespace.
var cluster *kubetest.Cluster

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m, &cluster)) }

const contractFile = "action-contract.yaml"

// newHPA creates an autoscaler named name for the Deployment web with the given bounds (min 0
// leaves minReplicas unset), as the cluster administrator. No Deployment is needed: the API
// server does not check the target.
func newHPA(t *testing.T, sb *kubetest.Sandbox, name string, minReplicas, maxReplicas int32) *autoscalingv2.HorizontalPodAutoscaler {
	t.Helper()
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: sb.Namespace},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MaxReplicas:    maxReplicas,
			Metrics: []autoscalingv2.MetricSpec{{
				Type: autoscalingv2.ResourceMetricSourceType,
				Resource: &autoscalingv2.ResourceMetricSource{Name: "cpu", Target: autoscalingv2.MetricTarget{
					Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](70),
				}},
			}},
		},
	}
	if minReplicas > 0 {
		hpa.Spec.MinReplicas = ptr.To(minReplicas)
	}
	created, err := sb.Admin.AutoscalingV2().HorizontalPodAutoscalers(sb.Namespace).Create(context.Background(), hpa, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create horizontalpodautoscaler %s: %v", name, err)
	}
	return created
}

// getHPA reads the autoscaler as the cluster administrator.
func getHPA(t *testing.T, sb *kubetest.Sandbox, name string) *autoscalingv2.HorizontalPodAutoscaler {
	t.Helper()
	hpa, err := sb.Admin.AutoscalingV2().HorizontalPodAutoscalers(sb.Namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get horizontalpodautoscaler %s: %v", name, err)
	}
	return hpa
}

// runAction runs the action as the sandbox's ServiceAccount, through the SDK's runtime with the
// contract, exactly as the container would.
func runAction(t *testing.T, sb *kubetest.Sandbox, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	return sb.Run(t, updater{kube: sb.ActionEnv()}.run, inputs, opts...)
}
