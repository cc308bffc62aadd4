package main

import (
	"context"
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/actions/internal/rollout"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// fieldManager names the action in managedFields.
const fieldManager = "kubernaut-rollback-deployment"

// rollbackRequest is one complete, checked request.
type rollbackRequest struct {
	Namespace      string
	Deployment     string
	Revision       int64 // 0: the previous revision
	DryRun         bool
	WaitForRollout bool
}

// rollbackResult says what the action found and did.
type rollbackResult struct {
	FromRevision, ToRevision           int64
	PreviousImages, Images             []string // name=image, in container order
	Changed                            bool
	UpdatedReplicas, AvailableReplicas int32
}

// rollbackDeployment restores the pod template of the chosen revision, then waits for the
// rollout when asked. The template is written with a JSON patch that replaces spec.template
// whole (a merge would keep labels, annotations and containers that the old revision did not
// have) and sets metadata.resourceVersion to the one read: the API server then refuses the patch
// with a conflict when the Deployment changed after it was read, and the rollback is retried
// from a fresh read instead of writing a template chosen from stale state.
func rollbackDeployment(ctx context.Context, c kubernetes.Interface, req rollbackRequest) (rollbackResult, error) {
	ref := kube.Ref{Kind: "deployment", Namespace: req.Namespace, Name: req.Deployment}
	var res rollbackResult
	var d *appsv1.Deployment
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var err error
		d, res, err = rollbackOnce(ctx, c, req, ref)
		return err
	})
	if apierrors.IsConflict(err) {
		return rollbackResult{}, kube.APIError(err, "patch", ref)
	}
	if err != nil {
		return rollbackResult{}, err
	}
	switch {
	case !res.Changed:
		action.Logf(ctx, "%s already runs the template of revision %d; nothing to change", ref, res.ToRevision)
	case req.DryRun:
		action.Logf(ctx, "dry run: %s would be rolled back from revision %d to %d (images %v -> %v); nothing was changed",
			ref, res.FromRevision, res.ToRevision, res.PreviousImages, res.Images)
	default:
		action.Logf(ctx, "rolled back %s from revision %d to %d (images %v -> %v)",
			ref, res.FromRevision, res.ToRevision, res.PreviousImages, res.Images)
		if req.WaitForRollout {
			if d, err = rollout.WaitForDeployment(ctx, c.AppsV1().Deployments(req.Namespace), ref); err != nil {
				return rollbackResult{}, err
			}
		}
	}
	res.UpdatedReplicas, res.AvailableReplicas = d.Status.UpdatedReplicas, d.Status.AvailableReplicas
	return res, nil
}

// rollbackOnce reads the Deployment and its revisions and patches the template once. A
// conflict is returned as the API server's error, for RetryOnConflict; every other error is
// already explained.
func rollbackOnce(ctx context.Context, c kubernetes.Interface, req rollbackRequest, ref kube.Ref) (*appsv1.Deployment, rollbackResult, error) {
	deployments := c.AppsV1().Deployments(req.Namespace)
	d, err := deployments.Get(ctx, req.Deployment, metav1.GetOptions{})
	if err != nil {
		return nil, rollbackResult{}, kube.APIError(err, "get", ref)
	}
	if d.Spec.Paused {
		return nil, rollbackResult{}, fmt.Errorf("%s is paused: a rollback would not replace any pod until it is resumed; "+
			"resume it first (kubectl rollout resume deployment/%s)", ref, req.Deployment)
	}
	byRevision, err := replicaSetsByRevision(ctx, c, d, ref)
	if err != nil {
		return nil, rollbackResult{}, err
	}
	target, err := pickRevision(byRevision, req.Revision, ref)
	if err != nil {
		return nil, rollbackResult{}, err
	}
	template := withoutHashLabel(target.Spec.Template)
	res := rollbackResult{FromRevision: revisionOf(d.ObjectMeta), ToRevision: revisionOf(target.ObjectMeta), PreviousImages: images(d.Spec.Template)}
	if apiequality.Semantic.DeepEqual(withoutHashLabel(d.Spec.Template), template) {
		res.Images = res.PreviousImages
		return d, res, nil
	}
	patch, err := json.Marshal([]map[string]any{
		{"op": "replace", "path": "/metadata/resourceVersion", "value": d.ResourceVersion},
		{"op": "replace", "path": "/spec/template", "value": template},
	})
	if err != nil {
		return nil, rollbackResult{}, fmt.Errorf("encoding the pod template of revision %d: %w", res.ToRevision, err)
	}
	opts := metav1.PatchOptions{FieldManager: fieldManager}
	if req.DryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	patched, err := deployments.Patch(ctx, req.Deployment, types.JSONPatchType, patch, opts)
	if err != nil {
		if apierrors.IsConflict(err) {
			return nil, rollbackResult{}, err // for RetryOnConflict
		}
		return nil, rollbackResult{}, kube.APIError(err, "patch", ref)
	}
	res.Images, res.Changed = images(patched.Spec.Template), true
	return patched, res, nil
}

// withoutHashLabel returns a copy of t without the pod-template-hash label, which the
// Deployment controller adds to each ReplicaSet's template and would add again; copying it into
// the Deployment would tie the new ReplicaSet to the old one's name.
func withoutHashLabel(t corev1.PodTemplateSpec) corev1.PodTemplateSpec {
	t = *t.DeepCopy()
	delete(t.Labels, appsv1.DefaultDeploymentUniqueLabelKey)
	if len(t.Labels) == 0 {
		t.Labels = nil
	}
	return t
}

// images returns the template's containers as name=image, init containers first.
func images(t corev1.PodTemplateSpec) []string {
	out := []string{}
	for _, c := range append(append([]corev1.Container{}, t.Spec.InitContainers...), t.Spec.Containers...) {
		out = append(out, c.Name+"="+c.Image)
	}
	return out
}
