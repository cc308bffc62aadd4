package main

import (
	"context"
	"os"
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

// dbPassword is the variable of the container "app" that comes from a Secret.
var dbPassword = corev1.EnvVar{Name: "DB_PASSWORD", ValueFrom: &corev1.EnvVarSource{
	SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "db"}, Key: "password"},
}}

// newDeployment creates, as the cluster administrator, a Deployment named name at revision 1
// whose pod template has the sidecar "proxy" first and then "app" with env, and the
// default-container annotation naming "app".
func newDeployment(t *testing.T, sb *kubetest.Sandbox, name string, env []corev1.EnvVar) *appsv1.Deployment {
	t.Helper()
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: sb.Namespace, Annotations: map[string]string{RevisionAnnotation: "1"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: map[string]string{DefaultContainerAnnotation: "app"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{
					{Name: "proxy", Image: "registry.example/proxy:1", Env: []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "warn"}}},
					{Name: "app", Image: kubetest.AppImage, Env: env},
				}},
			},
		},
	}
	created, err := sb.Admin.AppsV1().Deployments(sb.Namespace).Create(context.Background(), d, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create deployment %s: %v", name, err)
	}
	return created
}

// runAction runs the action as the sandbox's ServiceAccount, through the SDK's runtime with the
// contract, exactly as the container would.
func runAction(t *testing.T, sb *kubetest.Sandbox, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	return sb.Run(t, debugger{kube: sb.ActionEnv()}.run, inputs, opts...)
}
