package main

import (
	"context"
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// cluster is the real API server shared by this package's tests; each test has a namespace.
var cluster *kubetest.Cluster

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m, &cluster)) }

const contractFile = "action-contract.yaml"

// newStorageClass creates a StorageClass named after the sandbox (StorageClasses are
// cluster-scoped) and deletes it when the test ends.
func newStorageClass(t *testing.T, sb *kubetest.Sandbox, allowExpansion bool) string {
	t.Helper()
	sc := &storagev1.StorageClass{
		ObjectMeta:           metav1.ObjectMeta{Name: sb.Namespace + "-fast"},
		Provisioner:          "csi.example.com",
		AllowVolumeExpansion: ptr.To(allowExpansion),
	}
	if _, err := sb.Admin.StorageV1().StorageClasses().Create(context.Background(), sc, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create storageclass: %v", err)
	}
	t.Cleanup(func() {
		_ = sb.Admin.StorageV1().StorageClasses().Delete(context.Background(), sc.Name, metav1.DeleteOptions{})
	})
	return sc.Name
}

// newClaim creates a claim for size in class and, when bound, writes the status that the
// PersistentVolume controller would (envtest runs none): phase Bound with that capacity.
func newClaim(t *testing.T, sb *kubetest.Sandbox, name, class, size string, bound bool) *corev1.PersistentVolumeClaim {
	t.Helper()
	ctx := context.Background()
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: sb.Namespace},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: ptr.To(class),
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}},
		},
	}
	if bound {
		pvc.Spec.VolumeName = "pv-" + name
	}
	claims := sb.Admin.CoreV1().PersistentVolumeClaims(sb.Namespace)
	created, err := claims.Create(ctx, pvc, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create claim %s: %v", name, err)
	}
	if !bound {
		return created
	}
	created.Status = corev1.PersistentVolumeClaimStatus{
		Phase:       corev1.ClaimBound,
		AccessModes: created.Spec.AccessModes,
		Capacity:    corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)},
	}
	if created, err = claims.UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("write the status of claim %s: %v", name, err)
	}
	return created
}

// getClaim reads the claim as the cluster administrator.
func getClaim(t *testing.T, sb *kubetest.Sandbox, name string) *corev1.PersistentVolumeClaim {
	t.Helper()
	pvc, err := sb.Admin.CoreV1().PersistentVolumeClaims(sb.Namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get claim %s: %v", name, err)
	}
	return pvc
}

// requested is the claim's storage request.
func requested(pvc *corev1.PersistentVolumeClaim) string {
	q := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	return q.String()
}

// runAction runs the action as the sandbox's ServiceAccount, through the SDK's runtime with the
// contract, exactly as the container would.
func runAction(t *testing.T, sb *kubetest.Sandbox, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	return sb.Run(t, expander{kube: sb.ActionEnv()}.run, inputs, opts...)
}
