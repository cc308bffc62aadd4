package main

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/actions/internal/deployments"
	"github.com/kubernaut/kubernaut/actions/internal/kube"
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
// have); deployments.TemplateEdit guards it with the resourceVersion read, so a Deployment that
// changed after it was read is rolled back from a fresh read instead of with a template chosen
// from stale state.
func rollbackDeployment(ctx context.Context, c kubernetes.Interface, req rollbackRequest) (rollbackResult, error) {
	ref := kube.Ref{Kind: "deployment", Namespace: req.Namespace, Name: req.Deployment}
	edit := deployments.TemplateEdit[rollbackResult]{
		Ref: ref, FieldManager: fieldManager, DryRun: req.DryRun, WaitForRollout: req.WaitForRollout,
		PausedResult: "a rollback would not replace any pod",
		Plan: func(ctx context.Context, d *appsv1.Deployment) (rollbackResult, deployments.Patch, error) {
			return planRollback(ctx, c, d, req, ref)
		},
		Report: func(ctx context.Context, res *rollbackResult, d *appsv1.Deployment, changed bool) {
			if changed {
				res.Images, res.Changed = images(d.Spec.Template), true
			}
			logChange(ctx, req, ref, *res)
		},
	}
	res, d, err := edit.Run(ctx, c.AppsV1().Deployments(req.Namespace))
	if err != nil {
		return rollbackResult{}, err
	}
	res.UpdatedReplicas, res.AvailableReplicas = d.Status.UpdatedReplicas, d.Status.AvailableReplicas
	return res, nil
}

// planRollback reads the Deployment's revisions and returns the patch that restores the chosen
// one's template (none when the Deployment already runs it).
func planRollback(ctx context.Context, c kubernetes.Interface, d *appsv1.Deployment, req rollbackRequest, ref kube.Ref) (rollbackResult, deployments.Patch, error) {
	byRevision, err := replicaSetsByRevision(ctx, c, d, ref)
	if err != nil {
		return rollbackResult{}, deployments.Patch{}, err
	}
	target, err := pickRevision(byRevision, req.Revision, ref)
	if err != nil {
		return rollbackResult{}, deployments.Patch{}, err
	}
	template := withoutHashLabel(target.Spec.Template)
	res := rollbackResult{FromRevision: revisionOf(d.ObjectMeta), ToRevision: revisionOf(target.ObjectMeta), PreviousImages: images(d.Spec.Template)}
	if apiequality.Semantic.DeepEqual(withoutHashLabel(d.Spec.Template), template) {
		res.Images = res.PreviousImages
		return res, deployments.Patch{}, nil
	}
	return res, deployments.Patch{Ops: []deployments.Op{{Op: "replace", Path: "/spec/template", Value: template}}}, nil
}

func logChange(ctx context.Context, req rollbackRequest, ref kube.Ref, res rollbackResult) {
	switch {
	case !res.Changed:
		action.Logf(ctx, "%s already runs the template of revision %d; nothing to change", ref, res.ToRevision)
	case req.DryRun:
		action.Logf(ctx, "dry run: %s would be rolled back from revision %d to %d (images %v -> %v); nothing was changed",
			ref, res.FromRevision, res.ToRevision, res.PreviousImages, res.Images)
	default:
		action.Logf(ctx, "rolled back %s from revision %d to %d (images %v -> %v)",
			ref, res.FromRevision, res.ToRevision, res.PreviousImages, res.Images)
	}
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
