package main

import (
	"context"
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// cluster is the real API server shared by this package's tests; each test has a namespace.
var cluster *kubetest.Cluster

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m, &cluster)) }

const contractFile = "action-contract.yaml"

// newClaim creates, as the cluster administrator, a claim named name with labels and
// annotations. It stays Pending: envtest runs no volume controller, and deletion does not
// depend on binding.
func newClaim(t *testing.T, sb *kubetest.Sandbox, name string, labels, annotations map[string]string) *corev1.PersistentVolumeClaim {
	t.Helper()
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: sb.Namespace, Labels: labels, Annotations: annotations},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}
	created, err := sb.Admin.CoreV1().PersistentVolumeClaims(sb.Namespace).Create(context.Background(), pvc, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create claim %s: %v", name, err)
	}
	return created
}

// newPodUsing creates a pod named name that mounts the claims, and writes phase as its status
// (envtest runs no kubelet).
func newPodUsing(t *testing.T, sb *kubetest.Sandbox, name string, phase corev1.PodPhase, claims ...string) {
	t.Helper()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: sb.Namespace}, Spec: kubetest.PodSpec()}
	for _, claim := range claims {
		pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: claim, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim},
		}})
	}
	pods := sb.Admin.CoreV1().Pods(sb.Namespace)
	created, err := pods.Create(context.Background(), pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s: %v", name, err)
	}
	created.Status.Phase = phase
	if _, err := pods.UpdateStatus(context.Background(), created, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("write the status of pod %s: %v", name, err)
	}
}

// deleted reports whether the claim is gone or being deleted. The API server's admission adds
// the kubernetes.io/pvc-protection finalizer, and envtest runs no controller to remove it, so a
// deleted claim stays, with a deletionTimestamp.
func deleted(t *testing.T, sb *kubetest.Sandbox, name string) bool {
	t.Helper()
	pvc, err := sb.Admin.CoreV1().PersistentVolumeClaims(sb.Namespace).Get(context.Background(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return true
	}
	if err != nil {
		t.Fatalf("get claim %s: %v", name, err)
	}
	return pvc.DeletionTimestamp != nil
}

// runAction runs the action as the sandbox's ServiceAccount, through the SDK's runtime with the
// contract, exactly as the container would.
func runAction(t *testing.T, sb *kubetest.Sandbox, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	return sb.Run(t, cleaner{kube: sb.ActionEnv()}.run, inputs, opts...)
}
