package actionexecution

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionregistry"
)

// loadRegistry reads and parses the action registry ConfigMap from the cache. It is read on
// every reconcile rather than kept in the reconciler: the cache already holds the newest copy,
// and a watch on it requeues the runs that are waiting, so an edit applies within seconds.
//
// A missing ConfigMap is an empty registry (every action type is unknown). An unparsable one is
// an operator's mistake, not the run's: the run waits (transient error, and the watch requeues it
// when the ConfigMap is fixed) instead of failing for good.
func (r *Reconciler) loadRegistry(ctx context.Context) (*actionregistry.Registry, error) {
	cm := &corev1.ConfigMap{}
	key := client.ObjectKey{Namespace: r.Namespace, Name: actionregistry.ConfigMapName}
	// Without the ConfigMap the registry is empty: Parse insists on the key, because a ConfigMap
	// that lacks it is more likely misspelt than meant to be empty.
	data := map[string]string{actionregistry.RegistryKey: "{}"}
	switch err := r.Client.Get(ctx, key, cm); {
	case apierrors.IsNotFound(err):
	case err != nil:
		return nil, fmt.Errorf("reading the action registry ConfigMap %s: %w", key, err)
	default:
		data = cm.Data
	}
	reg, err := actionregistry.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("the action registry ConfigMap %s is invalid, so no action type can be resolved: %w", key, err)
	}
	return reg, nil
}

// reconcileRegistryEntry resolves spec.actionType to its registry entry and checks that
// spec.image, when set, names exactly the entry's image: the registry decides what runs, a caller
// can only assert which build it expects.
func (r *Reconciler) reconcileRegistryEntry(ctx context.Context, run *run) error {
	reg, err := r.loadRegistry(ctx)
	if err != nil {
		return err
	}
	run.registry = reg
	obj := run.obj
	entry, ok := reg.Lookup(obj.Spec.ActionType)
	if !ok {
		return refuse(executionv1alpha1.VerifiedCondition, executionv1alpha1.UnknownActionTypeReason,
			"action type %q has no entry in the action registry (ConfigMap %s/%s, key %s)",
			obj.Spec.ActionType, r.Namespace, actionregistry.ConfigMapName, actionregistry.RegistryKey)
	}
	run.entry = entry
	if obj.Spec.Image != "" && !sameImage(obj.Spec.Image, entry.Image) {
		return refuse(executionv1alpha1.VerifiedCondition, executionv1alpha1.ImageNotAllowedReason,
			"spec.image %s is not the image the action registry allows for %q (%s)",
			obj.Spec.Image, obj.Spec.ActionType, entry.Image)
	}
	return nil
}

// sameImage compares two image references by meaning, so that "docker.io/library/x@d" and
// "x@d" agree; references that do not parse are compared as written.
func sameImage(a, b string) bool {
	ra, errA := name.ParseReference(a)
	rb, errB := name.ParseReference(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return ra.Name() == rb.Name()
}
