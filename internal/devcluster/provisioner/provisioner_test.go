package provisioner

import (
	"context"
	"log"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/internal/testutil/envtest"
)

var env *envtest.Environment

func TestMain(m *testing.M) {
	os.Exit(envtest.Main(m, envtest.Options{}, &env))
}

const class = "test-hostpath"

// startProvisioner runs a provisioner against the test API server until the test ends.
func startProvisioner(t *testing.T) (kubernetes.Interface, string) {
	t.Helper()
	cs := kubernetes.NewForConfigOrDie(env.Config)
	dir := t.TempDir()
	p := &Provisioner{Client: cs, StorageClass: class, Name: "test/hostpath", Dir: dir,
		Log: log.New(testWriter{t}, "", 0)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return cs, dir
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

func claim(ns, name, storageClass string) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: &storageClass,
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("64Mi")},
			},
		},
	}
}

// waitVolume polls for the volume named name; the provisioner reacts to watch events, so this
// normally returns within milliseconds.
func waitVolume(ctx context.Context, t *testing.T, cs kubernetes.Interface, name string) *corev1.PersistentVolume {
	t.Helper()
	for {
		pv, err := cs.CoreV1().PersistentVolumes().Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			return pv
		}
		select {
		case <-ctx.Done():
			t.Fatalf("volume %s never appeared: %v", name, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func TestAPendingClaimOfTheClassGetsAWritableHostPathVolumeBoundToIt(t *testing.T) {
	cs, dir := startProvisioner(t)
	ctx := envtest.Context(t)
	pvc, err := cs.CoreV1().PersistentVolumeClaims("default").Create(ctx, claim("default", "data", class), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create claim: %v", err)
	}
	// envtest runs no PV controller, so the claim stays Pending as it would before binding.
	pvc.Status.Phase = corev1.ClaimPending
	if _, err := cs.CoreV1().PersistentVolumeClaims("default").UpdateStatus(ctx, pvc, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("mark claim pending: %v", err)
	}

	pv := waitVolume(ctx, t, cs, "pvc-"+string(pvc.UID))
	want := corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1", Namespace: "default", Name: "data", UID: pvc.UID}
	if diff := cmp.Diff(&want, pv.Spec.ClaimRef); diff != "" {
		t.Errorf("claimRef (-want +got):\n%s", diff)
	}
	if got := pv.Spec.Capacity[corev1.ResourceStorage]; got.Cmp(resource.MustParse("64Mi")) != 0 {
		t.Errorf("capacity = %s, want 64Mi", got.String())
	}
	if diff := cmp.Diff(filepath.Join(dir, pv.Name), pv.Spec.HostPath.Path); diff != "" {
		t.Errorf("hostPath (-want +got):\n%s", diff)
	}
	fi, err := os.Stat(pv.Spec.HostPath.Path)
	if err != nil || fi.Mode().Perm() != 0o777 {
		t.Errorf("volume directory: %v, mode %v; want a 0777 directory", err, fi.Mode().Perm())
	}
}

func TestClaimsOfOtherClassesAreLeftAlone(t *testing.T) {
	cs, dir := startProvisioner(t)
	ctx := envtest.Context(t)
	if _, err := cs.CoreV1().PersistentVolumeClaims("default").Create(ctx, claim("default", "other", "someone-else"), metav1.CreateOptions{}); err != nil {
		t.Fatalf("create claim: %v", err)
	}
	time.Sleep(300 * time.Millisecond) // give a wrongly eager provisioner time to act
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 0 {
		t.Errorf("volume directories for a foreign claim: %v, %v", entries, err)
	}
}

func TestAReleasedVolumeIsDeletedWithItsDirectory(t *testing.T) {
	cs, dir := startProvisioner(t)
	ctx := envtest.Context(t)
	pvc, err := cs.CoreV1().PersistentVolumeClaims("default").Create(ctx, claim("default", "released", class), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create claim: %v", err)
	}
	pvc.Status.Phase = corev1.ClaimPending
	if _, err := cs.CoreV1().PersistentVolumeClaims("default").UpdateStatus(ctx, pvc, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("mark claim pending: %v", err)
	}
	pv := waitVolume(ctx, t, cs, "pvc-"+string(pvc.UID))
	if err := cs.CoreV1().PersistentVolumeClaims("default").Delete(ctx, pvc.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete claim: %v", err)
	}
	// What the PV controller does when the claim is gone.
	pv.Status.Phase = corev1.VolumeReleased
	if _, err := cs.CoreV1().PersistentVolumes().UpdateStatus(ctx, pv, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("mark volume released: %v", err)
	}
	// The volume object keeps its pv-protection finalizer until kube-controller-manager (absent
	// here) removes it, so "deleted" means deletion was requested.
	for {
		_, statErr := os.Stat(filepath.Join(dir, pv.Name))
		got, getErr := cs.CoreV1().PersistentVolumes().Get(ctx, pv.Name, metav1.GetOptions{})
		if os.IsNotExist(statErr) && (getErr != nil || got.DeletionTimestamp != nil) {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("released volume not cleaned: directory %v, object %v", statErr, getErr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
