package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// fieldManager names the action in managedFields.
const fieldManager = "kubernaut-expand-pvc"

// errRefused marks a claim the action will not expand; the message says why. It also marks a
// failure that already names its object, so that it is not wrapped again.
var errRefused = errors.New("cannot expand")

// expandResult says what the action found and did. Sizes are quantities in canonical form.
type expandResult struct {
	StorageClass string
	Previous     string
	Size         string
	Capacity     string
	Changed      bool
}

// expandClaim raises the storage request of the claim ref to size, after checking what the API
// server would otherwise refuse with a less helpful message: the claim is bound, the size
// grows, and the StorageClass allows expansion. The merge patch carries the resourceVersion
// that was checked, so a concurrent change makes the action check again.
func expandClaim(ctx context.Context, c kubernetes.Interface, ref kube.Ref, size resource.Quantity, dryRun bool) (expandResult, error) {
	claims := c.CoreV1().PersistentVolumeClaims(ref.Namespace)
	var res expandResult
	verb := "get" // the call that failed, for the message
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		verb = "get"
		pvc, err := claims.Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		current := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
		res = expandResult{Previous: current.String(), Size: current.String(), Capacity: capacity(pvc)}
		if res.StorageClass, err = checkExpandable(ctx, c, ref, pvc, size); err != nil {
			return err
		}
		if size.Cmp(current) == 0 {
			return nil
		}
		verb = "patch the storage request of"
		patched, err := patchRequest(ctx, c, pvc, size, dryRun)
		if err != nil {
			return err
		}
		got := patched.Spec.Resources.Requests[corev1.ResourceStorage]
		res.Size, res.Capacity, res.Changed = got.String(), capacity(patched), true
		return nil
	})
	switch {
	case errors.Is(err, errRefused):
		return expandResult{}, err
	case err != nil:
		return expandResult{}, kube.APIError(err, verb, ref)
	}
	logChange(ctx, ref, res, dryRun)
	return res, nil
}

// checkExpandable returns the claim's StorageClass, or errRefused with the reason the claim
// cannot grow to size.
func checkExpandable(ctx context.Context, c kubernetes.Interface, ref kube.Ref, pvc *corev1.PersistentVolumeClaim, size resource.Quantity) (string, error) {
	current := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	if size.Cmp(current) < 0 {
		return "", fmt.Errorf("%w: %s requests %s; %s is smaller, and volumes only grow", errRefused, ref, current.String(), size.String())
	}
	if pvc.Status.Phase != corev1.ClaimBound {
		return "", fmt.Errorf("%w: %s is %s, not Bound; only a bound claim can be expanded", errRefused, ref, pvc.Status.Phase)
	}
	class := ""
	if pvc.Spec.StorageClassName != nil {
		class = *pvc.Spec.StorageClassName
	}
	if class == "" {
		return "", fmt.Errorf("%w: %s has no StorageClass; only a claim whose StorageClass sets allowVolumeExpansion can be expanded", errRefused, ref)
	}
	classRef := kube.Ref{Kind: "storageclass", Name: class}
	sc, err := c.StorageV1().StorageClasses().Get(ctx, class, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("%w: %w", errRefused, kube.APIError(err, "get", classRef))
	}
	if sc.AllowVolumeExpansion == nil || !*sc.AllowVolumeExpansion {
		return "", fmt.Errorf("%w: %s of %s does not set allowVolumeExpansion: true, so its volumes cannot grow", errRefused, classRef, ref)
	}
	return class, nil
}

// patchRequest sets spec.resources.requests.storage with a merge patch that the API server
// applies only to the resourceVersion of pvc.
func patchRequest(ctx context.Context, c kubernetes.Interface, pvc *corev1.PersistentVolumeClaim, size resource.Quantity, dryRun bool) (*corev1.PersistentVolumeClaim, error) {
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"resourceVersion": pvc.ResourceVersion},
		"spec":     map[string]any{"resources": map[string]any{"requests": map[string]any{"storage": size.String()}}},
	})
	if err != nil {
		return nil, fmt.Errorf("encoding the patch: %w", err)
	}
	opts := metav1.PatchOptions{FieldManager: fieldManager}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	return c.CoreV1().PersistentVolumeClaims(pvc.Namespace).Patch(ctx, pvc.Name, types.MergePatchType, patch, opts)
}

// capacity is status.capacity.storage, or "" when the claim reports none.
func capacity(pvc *corev1.PersistentVolumeClaim) string {
	q, ok := pvc.Status.Capacity[corev1.ResourceStorage]
	if !ok {
		return ""
	}
	return q.String()
}

func logChange(ctx context.Context, ref kube.Ref, res expandResult, dryRun bool) {
	switch {
	case !res.Changed:
		action.Logf(ctx, "%s already requests %s; nothing to change", ref, res.Previous)
	case dryRun:
		action.Logf(ctx, "dry run: %s would grow from %s to %s; nothing was changed", ref, res.Previous, res.Size)
	default:
		action.Logf(ctx, "%s now requests %s (was %s); the volume is %s so far, and its driver resizes it",
			ref, res.Size, res.Previous, res.Capacity)
	}
}
