package tekton

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubernaut/kubernaut/internal/devcluster/kubeapply"
)

func TestWaitAvailableShowsPodsRefusedAtCreation(t *testing.T) {
	labels := map[string]string{"app": "controller"}
	deployment := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "tekton-pipelines-controller", Namespace: Namespace, Generation: 1},
		Spec:       appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: labels}},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 1, Conditions: []appsv1.DeploymentCondition{
			{Type: appsv1.DeploymentReplicaFailure, Status: corev1.ConditionTrue, Reason: "FailedCreate", Message: "pods are forbidden"},
		}},
	}
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "tekton-pipelines-controller-6984764d68", Namespace: Namespace, Labels: labels}}
	refusal := `Error creating: pods "tekton-pipelines-controller-6984764d68-tmz82" is forbidden: violates PodSecurity "restricted:latest": host namespaces (hostNetwork=true)`
	event := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "rs-event", Namespace: Namespace},
		InvolvedObject: corev1.ObjectReference{Kind: "ReplicaSet", Name: rs.Name, Namespace: Namespace},
		Type:           corev1.EventTypeWarning, Reason: "FailedCreate", Message: refusal, Count: 4,
	}
	c := &clients{&kubeapply.Clients{Kube: fake.NewClientset(deployment, rs, event)}}

	err := c.waitAvailable(context.Background(), time.Now(), 300*time.Millisecond, nil)
	if !errors.Is(err, ErrNotAvailable) {
		t.Fatalf("waitAvailable = %v, want ErrNotAvailable", err)
	}
	for _, want := range []string{
		"Deployment tekton-pipelines/tekton-pipelines-controller",
		"ReplicaFailure=True FailedCreate: pods are forbidden",
		"no pods",
		"events of ReplicaSet tekton-pipelines/tekton-pipelines-controller-6984764d68",
		"Warning FailedCreate (x4): " + refusal,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not contain %q:\n%v", want, err)
		}
	}
}
