// Package provisioner is the dev cluster's dynamic provisioner: it binds every pending
// PersistentVolumeClaim of its StorageClass to a new hostPath PersistentVolume in a directory
// of its own, and removes the directory when the volume is released. It exists because the
// engine creates PVCs and a single-node test cluster has no storage system.
package provisioner

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// provisionedByAnnotation marks volumes a provisioner made, as the PV controller expects.
const provisionedByAnnotation = "pv.kubernetes.io/provisioned-by"

// resyncPeriod re-examines everything now and then, in case an action failed transiently.
const resyncPeriod = 10 * time.Second

// Provisioner provisions hostPath volumes for one StorageClass.
type Provisioner struct {
	// Client talks to the cluster.
	Client kubernetes.Interface
	// StorageClass is the class whose claims are served.
	StorageClass string
	// Name is the provisioner name recorded on the volumes it creates.
	Name string
	// Dir holds one directory per volume.
	Dir string
	// Log receives one line per action.
	Log *log.Logger
}

// Run provisions and deletes volumes until ctx ends.
func (p *Provisioner) Run(ctx context.Context) error {
	factory := informers.NewSharedInformerFactory(p.Client, resyncPeriod)
	claims := factory.Core().V1().PersistentVolumeClaims()
	volumes := factory.Core().V1().PersistentVolumes()
	wake := make(chan struct{}, 1)
	notify := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { trigger(wake) },
		UpdateFunc: func(any, any) { trigger(wake) },
		DeleteFunc: func(any) { trigger(wake) },
	}
	if _, err := claims.Informer().AddEventHandler(notify); err != nil {
		return fmt.Errorf("watch claims: %w", err)
	}
	if _, err := volumes.Informer().AddEventHandler(notify); err != nil {
		return fmt.Errorf("watch volumes: %w", err)
	}
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	if !cache.WaitForCacheSync(ctx.Done(), claims.Informer().HasSynced, volumes.Informer().HasSynced) {
		return fmt.Errorf("sync claim and volume caches: %w", ctx.Err())
	}
	for {
		p.provisionPending(ctx, claims.Lister(), volumes.Lister())
		p.deleteReleased(ctx, volumes.Lister())
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		}
	}
}

func trigger(wake chan<- struct{}) {
	select {
	case wake <- struct{}{}:
	default:
	}
}

// provisionPending creates a volume for every unbound claim of the class.
func (p *Provisioner) provisionPending(ctx context.Context, claims corelisters.PersistentVolumeClaimLister,
	volumes corelisters.PersistentVolumeLister) {
	all, err := claims.List(labels.Everything())
	if err != nil {
		p.Log.Printf("list claims: %v", err)
		return
	}
	for _, pvc := range all {
		if !p.wants(pvc) {
			continue
		}
		// A volume of this claim that exists (perhaps being deleted) must not get its
		// directory back.
		if _, err := volumes.Get(volumeName(pvc)); err == nil {
			continue
		}
		if err := p.provision(ctx, pvc); err != nil {
			p.Log.Printf("provision %s/%s: %v", pvc.Namespace, pvc.Name, err)
		}
	}
}

// wants reports whether pvc is an unbound filesystem claim of our class.
func (p *Provisioner) wants(pvc *corev1.PersistentVolumeClaim) bool {
	if pvc.Spec.StorageClassName == nil || *pvc.Spec.StorageClassName != p.StorageClass {
		return false
	}
	if pvc.Spec.VolumeName != "" || pvc.DeletionTimestamp != nil || pvc.Status.Phase != corev1.ClaimPending {
		return false
	}
	return pvc.Spec.VolumeMode == nil || *pvc.Spec.VolumeMode == corev1.PersistentVolumeFilesystem
}

// provision makes the claim's directory and a volume pre-bound to the claim.
func (p *Provisioner) provision(ctx context.Context, pvc *corev1.PersistentVolumeClaim) error {
	name := volumeName(pvc)
	dir := filepath.Join(p.Dir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create volume directory: %w", err)
	}
	// World-writable because action containers run as arbitrary non-root users.
	if err := os.Chmod(dir, 0o777); err != nil {
		return fmt.Errorf("open up volume directory: %w", err)
	}
	_, err := p.Client.CoreV1().PersistentVolumes().Create(ctx, p.volumeFor(pvc, name, dir), metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create volume %s: %w", name, err)
	}
	p.Log.Printf("provisioned %s for %s/%s at %s", name, pvc.Namespace, pvc.Name, dir)
	return nil
}

// volumeName derives the volume's name from the claim's UID, unique and stable across retries.
func volumeName(pvc *corev1.PersistentVolumeClaim) string { return "pvc-" + string(pvc.UID) }

func (p *Provisioner) volumeFor(pvc *corev1.PersistentVolumeClaim, name, dir string) *corev1.PersistentVolume {
	directory := corev1.HostPathDirectory
	fs := corev1.PersistentVolumeFilesystem
	return &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{provisionedByAnnotation: p.Name},
		},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:    corev1.ResourceList{corev1.ResourceStorage: pvc.Spec.Resources.Requests[corev1.ResourceStorage]},
			AccessModes: pvc.Spec.AccessModes,
			ClaimRef: &corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1",
				Namespace: pvc.Namespace, Name: pvc.Name, UID: pvc.UID},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
			StorageClassName:              p.StorageClass,
			VolumeMode:                    &fs,
			PersistentVolumeSource: corev1.PersistentVolumeSource{
				HostPath: &corev1.HostPathVolumeSource{Path: dir, Type: &directory},
			},
		},
	}
}

// deleteReleased removes our volumes whose claim is gone, and their directories.
func (p *Provisioner) deleteReleased(ctx context.Context, volumes corelisters.PersistentVolumeLister) {
	all, err := volumes.List(labels.Everything())
	if err != nil {
		p.Log.Printf("list volumes: %v", err)
		return
	}
	for _, pv := range all {
		if pv.Annotations[provisionedByAnnotation] != p.Name || pv.Status.Phase != corev1.VolumeReleased || pv.DeletionTimestamp != nil ||
			pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete || pv.Spec.HostPath == nil {
			continue
		}
		if err := p.delete(ctx, pv); err != nil {
			p.Log.Printf("delete %s: %v", pv.Name, err)
		}
	}
}

func (p *Provisioner) delete(ctx context.Context, pv *corev1.PersistentVolume) error {
	dir := pv.Spec.HostPath.Path
	// Only ever remove directories below our own root, whatever a volume object says.
	if !strictlyBelow(p.Dir, dir) {
		return fmt.Errorf("volume path %s is outside %s; leaving it", dir, p.Dir)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove volume directory: %w", err)
	}
	err := p.Client.CoreV1().PersistentVolumes().Delete(ctx, pv.Name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete volume object: %w", err)
	}
	p.Log.Printf("deleted %s and %s", pv.Name, dir)
	return nil
}

// strictlyBelow reports whether path lies inside root (and is not root itself).
func strictlyBelow(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, "../")
}
