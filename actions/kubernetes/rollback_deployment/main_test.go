package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// cluster is the real API server shared by this package's tests; each test has a namespace.
var cluster *kubetest.Cluster

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m, &cluster)) }

const contractFile = "action-contract.yaml"

// newDeploymentWithHistory creates, as the cluster administrator, a Deployment named name at
// revision current whose containers run registry.example/app:<current>, and one ReplicaSet it
// controls for each of the revisions, running registry.example/app:<revision>: what the
// Deployment controller, which envtest does not run, leaves behind after those rollouts.
func newDeploymentWithHistory(t *testing.T, sb *kubetest.Sandbox, name string, current int, revisions ...int) *appsv1.Deployment {
	t.Helper()
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: sb.Namespace,
			Annotations: map[string]string{RevisionAnnotation: strconv.Itoa(current)}},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: podTemplate(labels, current),
		},
	}
	created, err := sb.Admin.AppsV1().Deployments(sb.Namespace).Create(context.Background(), d, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create deployment %s: %v", name, err)
	}
	owner := metav1.NewControllerRef(created, appsv1.SchemeGroupVersion.WithKind("Deployment"))
	for _, rev := range revisions {
		newReplicaSet(t, sb, fmt.Sprintf("%s-rev%d", name, rev), labels, rev, owner)
	}
	return created
}

// newReplicaSet creates the ReplicaSet of revision rev, controlled by owner (nil for none).
func newReplicaSet(t *testing.T, sb *kubetest.Sandbox, name string, labels map[string]string, rev int, owner *metav1.OwnerReference) {
	t.Helper()
	hashed := map[string]string{appsv1.DefaultDeploymentUniqueLabelKey: fmt.Sprintf("hash%d", rev)}
	for k, v := range labels {
		hashed[k] = v
	}
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: sb.Namespace, Labels: hashed,
			Annotations: map[string]string{RevisionAnnotation: strconv.Itoa(rev)}},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr.To[int32](0),
			Selector: &metav1.LabelSelector{MatchLabels: hashed},
			Template: podTemplate(hashed, rev),
		},
	}
	if owner != nil {
		rs.OwnerReferences = []metav1.OwnerReference{*owner}
	}
	if _, err := sb.Admin.AppsV1().ReplicaSets(sb.Namespace).Create(context.Background(), rs, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create replicaset %s: %v", name, err)
	}
}

// podTemplate is the pod template of revision rev.
func podTemplate(labels map[string]string, rev int) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "app", Image: fmt.Sprintf("registry.example/app:%d", rev),
		}}},
	}
}

// runAction runs the action as the sandbox's ServiceAccount, through the SDK's runtime with the
// contract, exactly as the container would.
func runAction(t *testing.T, sb *kubetest.Sandbox, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	return sb.Run(t, rollbacker{kube: sb.ActionEnv()}.run, inputs, opts...)
}
