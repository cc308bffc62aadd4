package main

import (
	"context"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/actions/internal/deployments"
	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// fieldManager names the action in managedFields.
const fieldManager = "kubernaut-increase-resources"

// DefaultContainerAnnotation picks the container when the input "container" is not given.
const DefaultContainerAnnotation = deployments.DefaultContainerAnnotation

// increaseRequest is one complete, checked request.
type increaseRequest struct {
	Namespace      string
	Deployment     string
	Container      string            // "" for the default container
	Changes        map[string]change // by input name (cpuRequest, ...)
	AllowDecrease  bool
	DryRun         bool
	WaitForRollout bool
}

// increaseResult says what the action found and did.
type increaseResult struct {
	Container                          string
	Before, After                      corev1.ResourceRequirements
	Changed                            bool
	UpdatedReplicas, AvailableReplicas int32
}

// increaseResources changes the container's resources, then waits for the rollout when asked.
// The strategic merge patch names the container (containers merge by name) and only the changed
// resources; deployments.TemplateEdit guards it with the resourceVersion read and retries a
// conflict from a fresh read, so a factor is never applied to a stale value.
func increaseResources(ctx context.Context, c kubernetes.Interface, req increaseRequest) (increaseResult, error) {
	ref := kube.Ref{Kind: "deployment", Namespace: req.Namespace, Name: req.Deployment}
	edit := deployments.TemplateEdit[increaseResult]{
		Ref: ref, FieldManager: fieldManager, DryRun: req.DryRun, WaitForRollout: req.WaitForRollout,
		Plan: func(_ context.Context, d *appsv1.Deployment) (increaseResult, deployments.Patch, error) {
			return planIncrease(d, req, ref)
		},
		Report: func(ctx context.Context, res *increaseResult, d *appsv1.Deployment, changed bool) {
			if changed {
				after, _ := findContainer(d, res.Container) // the patch keeps it: containers merge by name
				res.After, res.Changed = after.Resources, true
			}
			logChange(ctx, req, ref, *res)
		},
	}
	res, d, err := edit.Run(ctx, c.AppsV1().Deployments(req.Namespace))
	if err != nil {
		return increaseResult{}, err
	}
	res.UpdatedReplicas, res.AvailableReplicas = d.Status.UpdatedReplicas, d.Status.AvailableReplicas
	return res, nil
}

// planIncrease computes the container's new resources from one read of the Deployment, and the
// patch that sets them (none when they are already as requested).
func planIncrease(d *appsv1.Deployment, req increaseRequest, ref kube.Ref) (increaseResult, deployments.Patch, error) {
	index, err := deployments.PickContainer(d, req.Container, ref)
	if err != nil {
		return increaseResult{}, deployments.Patch{}, err
	}
	container := d.Spec.Template.Spec.Containers[index]
	res := increaseResult{Container: container.Name, Before: container.Resources}
	next, err := newResources(container.Resources, req.Changes, req.AllowDecrease)
	if err != nil {
		return increaseResult{}, deployments.Patch{}, fmt.Errorf("container %s of %s: %w", container.Name, ref, err)
	}
	if apiequality.Semantic.DeepEqual(next, container.Resources) {
		res.After = res.Before
		return res, deployments.Patch{}, nil
	}
	resources := map[string]any{} // a null would delete the list
	if next.Requests != nil {
		resources["requests"] = next.Requests
	}
	if next.Limits != nil {
		resources["limits"] = next.Limits
	}
	return res, deployments.Patch{Template: map[string]any{"spec": map[string]any{"containers": []map[string]any{{
		"name": container.Name, "resources": resources,
	}}}}}, nil
}

func logChange(ctx context.Context, req increaseRequest, ref kube.Ref, res increaseResult) {
	summary := fmt.Sprintf("container %s: %s", res.Container, describeChange(res.Before, res.After))
	switch {
	case !res.Changed:
		action.Logf(ctx, "%s already has the requested resources (%s); nothing to change", ref, summary)
	case req.DryRun:
		action.Logf(ctx, "dry run: %s would change (%s); nothing was changed", ref, summary)
	default:
		action.Logf(ctx, "changed the resources of %s (%s)", ref, summary)
	}
}

// findContainer returns the container named name of d's pod template.
func findContainer(d *appsv1.Deployment, name string) (corev1.Container, bool) {
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name == name {
			return c, true
		}
	}
	return corev1.Container{}, false
}

// describeChange renders the fields that differ: "memory limit 256Mi -> 384Mi".
func describeChange(before, after corev1.ResourceRequirements) string {
	var parts []string
	for _, f := range fields {
		if b, a := quantityString(before, f), quantityString(after, f); b != a {
			if b == "" {
				b = "unset"
			}
			parts = append(parts, fmt.Sprintf("%s %s -> %s", f.describe(), b, a))
		}
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, ", ")
}
