package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// KeepAnnotation protects a claim from this action: a claim that carries it is never deleted,
// whatever its value but "false".
const KeepAnnotation = "kubernaut.ai/keep"

// pageSize bounds each list request, so that a namespace with many pods or claims is read in
// pages instead of one response of unbounded size.
const pageSize = 500

// cleanupRequest is one complete, checked request: Names or Selector, never both.
type cleanupRequest struct {
	Namespace string
	Names     []string // sorted, without duplicates
	Selector  labels.Selector
	DryRun    bool
}

// cleanupResult lists what the action did, each list sorted by claim name. Empty lists, not
// nil: the outputs are arrays, and null is no array.
type cleanupResult struct {
	Deleted []string
	Skipped []string // "name: reason"
}

// cleanup chooses the claims, finds those that pods use, and deletes the rest. The choice is
// made before anything is deleted: a named claim that does not exist fails the step with
// nothing deleted.
func cleanup(ctx context.Context, c kubernetes.Interface, req cleanupRequest) (cleanupResult, error) {
	claims, err := chooseClaims(ctx, c, req)
	if err != nil {
		return cleanupResult{}, err
	}
	users, err := claimUsers(ctx, c, req.Namespace)
	if err != nil {
		return cleanupResult{}, err
	}
	res := cleanupResult{Deleted: []string{}, Skipped: []string{}}
	for _, pvc := range claims {
		if reason := keepReason(pvc, users); reason != "" {
			res.Skipped = append(res.Skipped, pvc.Name+": "+reason)
			action.Logf(ctx, "keeping %s: %s", claimRef(pvc), reason)
			continue
		}
		kept, err := deleteClaim(ctx, c, pvc, req.DryRun)
		if err != nil {
			return cleanupResult{}, fmt.Errorf("%w (deleted before the failure: %v)", err, res.Deleted)
		}
		if kept != "" {
			res.Skipped = append(res.Skipped, pvc.Name+": "+kept)
			continue
		}
		res.Deleted = append(res.Deleted, pvc.Name)
	}
	if len(claims) == 0 {
		action.Logf(ctx, "no claim in namespace %s matches the selector %q; nothing to delete", req.Namespace, req.Selector)
	}
	return res, nil
}

// chooseClaims returns the named claims (each must exist) or those the selector matches,
// sorted by name.
func chooseClaims(ctx context.Context, c kubernetes.Interface, req cleanupRequest) ([]corev1.PersistentVolumeClaim, error) {
	claims := c.CoreV1().PersistentVolumeClaims(req.Namespace)
	var out []corev1.PersistentVolumeClaim
	if req.Selector == nil {
		for _, name := range req.Names {
			pvc, err := claims.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return nil, kube.APIError(err, "get", kube.Ref{Kind: "persistentvolumeclaim", Namespace: req.Namespace, Name: name})
			}
			out = append(out, *pvc)
		}
		return out, nil
	}
	opts := metav1.ListOptions{LabelSelector: req.Selector.String(), Limit: pageSize}
	for {
		list, err := claims.List(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("list the persistentvolumeclaims of namespace %s: %w", req.Namespace, err)
		}
		out = append(out, list.Items...)
		if opts.Continue = list.Continue; opts.Continue == "" {
			break
		}
	}
	slices.SortFunc(out, func(a, b corev1.PersistentVolumeClaim) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// claimUsers maps each claim that a pod which has not finished uses to a description of the
// first such pod: "pod web-0 (Running)". A finished pod (Succeeded or Failed) will never run
// its containers again, so its claims count as unused. A generic ephemeral volume's claim is
// named <pod>-<volume> and counts as used too.
func claimUsers(ctx context.Context, c kubernetes.Interface, namespace string) (map[string]string, error) {
	users := map[string]string{}
	opts := metav1.ListOptions{Limit: pageSize}
	for {
		list, err := c.CoreV1().Pods(namespace).List(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("list the pods of namespace %s to find the claims they use: %w", namespace, err)
		}
		for _, pod := range list.Items {
			if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
				continue
			}
			for _, claim := range claimsOf(&pod) {
				if _, seen := users[claim]; !seen {
					users[claim] = fmt.Sprintf("pod %s (%s)", pod.Name, phaseOf(&pod))
				}
			}
		}
		if opts.Continue = list.Continue; opts.Continue == "" {
			return users, nil
		}
	}
}

// claimsOf lists the claims that pod's volumes refer to.
func claimsOf(pod *corev1.Pod) []string {
	var claims []string
	for _, v := range pod.Spec.Volumes {
		switch {
		case v.PersistentVolumeClaim != nil:
			claims = append(claims, v.PersistentVolumeClaim.ClaimName)
		case v.Ephemeral != nil:
			claims = append(claims, pod.Name+"-"+v.Name)
		}
	}
	return claims
}

func phaseOf(pod *corev1.Pod) corev1.PodPhase {
	if pod.Status.Phase == "" {
		return corev1.PodPending
	}
	return pod.Status.Phase
}

// keepReason says why pvc must not be deleted, or "" when it may be.
func keepReason(pvc corev1.PersistentVolumeClaim, users map[string]string) string {
	if pvc.DeletionTimestamp != nil {
		return "already being deleted"
	}
	if value, ok := pvc.Annotations[KeepAnnotation]; ok && value != "false" {
		return "has the annotation " + KeepAnnotation
	}
	if len(pvc.OwnerReferences) > 0 {
		owner := pvc.OwnerReferences[0]
		return fmt.Sprintf("owned by %s %s, which deletes it when it goes", strings.ToLower(owner.Kind), owner.Name)
	}
	if user, ok := users[pvc.Name]; ok {
		return "mounted by " + user
	}
	return ""
}

// deleteClaim deletes pvc, on condition that it is still the object that was checked: same UID
// (not a claim recreated under its name) and same resourceVersion (nobody added the keep
// annotation or an owner meanwhile). A claim that changed or went meanwhile is kept with the
// reason (kept != ""); only other failures are errors.
func deleteClaim(ctx context.Context, c kubernetes.Interface, pvc corev1.PersistentVolumeClaim, dryRun bool) (kept string, err error) {
	opts := metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &pvc.UID, ResourceVersion: &pvc.ResourceVersion}}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	ref := claimRef(pvc)
	err = c.CoreV1().PersistentVolumeClaims(pvc.Namespace).Delete(ctx, pvc.Name, opts)
	switch {
	case apierrors.IsConflict(err):
		action.Logf(ctx, "keeping %s: it changed while the action ran (%v)", ref, err)
		return "changed while the action ran; not deleted, run the step again to reconsider it", nil
	case apierrors.IsNotFound(err):
		return "deleted meanwhile by someone else", nil
	case err != nil:
		return "", kube.APIError(err, "delete", ref)
	}
	volume := pvc.Spec.VolumeName
	if volume == "" {
		volume = "none (not bound)"
	}
	if dryRun {
		action.Logf(ctx, "dry run: %s would be deleted (volume %s); nothing was deleted", ref, volume)
	} else {
		action.Logf(ctx, "deleted %s (volume %s; its reclaim policy decides what happens to the data)", ref, volume)
	}
	return "", nil
}

func claimRef(pvc corev1.PersistentVolumeClaim) kube.Ref {
	return kube.Ref{Kind: "persistentvolumeclaim", Namespace: pvc.Namespace, Name: pvc.Name}
}
