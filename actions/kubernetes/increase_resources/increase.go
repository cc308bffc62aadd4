package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

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
const fieldManager = "kubernaut-increase-resources"

// DefaultContainerAnnotation names a Pod's default container for kubectl; the action honours it
// on the pod template when the input "container" is not given.
const DefaultContainerAnnotation = "kubectl.kubernetes.io/default-container"

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
func increaseResources(ctx context.Context, c kubernetes.Interface, req increaseRequest) (increaseResult, error) {
	ref := kube.Ref{Kind: "deployment", Namespace: req.Namespace, Name: req.Deployment}
	var res increaseResult
	var d *appsv1.Deployment
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var err error
		d, res, err = increaseOnce(ctx, c, req, ref)
		return err
	})
	if apierrors.IsConflict(err) {
		return increaseResult{}, kube.APIError(err, "patch", ref)
	}
	if err != nil {
		return increaseResult{}, err
	}
	summary := fmt.Sprintf("container %s: %s", res.Container, describeChange(res.Before, res.After))
	switch {
	case !res.Changed:
		action.Logf(ctx, "%s already has the requested resources (%s); nothing to change", ref, summary)
	case req.DryRun:
		action.Logf(ctx, "dry run: %s would change (%s); nothing was changed", ref, summary)
	default:
		action.Logf(ctx, "changed the resources of %s (%s)", ref, summary)
		if req.WaitForRollout {
			if d, err = rollout.WaitForDeployment(ctx, c.AppsV1().Deployments(req.Namespace), ref); err != nil {
				return increaseResult{}, err
			}
		}
	}
	res.UpdatedReplicas, res.AvailableReplicas = d.Status.UpdatedReplicas, d.Status.AvailableReplicas
	return res, nil
}

// increaseOnce reads the Deployment, computes the container's new resources and patches them
// once. The strategic merge patch names the container (containers merge by name) and only the
// changed resources, and carries the resourceVersion read as a precondition: a Deployment
// changed meanwhile yields a conflict, which the caller retries from a fresh read, so a factor
// is never applied to a stale value.
func increaseOnce(ctx context.Context, c kubernetes.Interface, req increaseRequest, ref kube.Ref) (*appsv1.Deployment, increaseResult, error) {
	deployments := c.AppsV1().Deployments(req.Namespace)
	d, err := deployments.Get(ctx, req.Deployment, metav1.GetOptions{})
	if err != nil {
		return nil, increaseResult{}, kube.APIError(err, "get", ref)
	}
	if d.Spec.Paused {
		return nil, increaseResult{}, fmt.Errorf("%s is paused: the change would not roll out until it is resumed; "+
			"resume it first (kubectl rollout resume deployment/%s)", ref, req.Deployment)
	}
	container, err := pickContainer(d, req.Container, ref)
	if err != nil {
		return nil, increaseResult{}, err
	}
	res := increaseResult{Container: container.Name, Before: container.Resources}
	next, err := newResources(container.Resources, req.Changes, req.AllowDecrease)
	if err != nil {
		return nil, increaseResult{}, fmt.Errorf("container %s of %s: %w", container.Name, ref, err)
	}
	if apiequality.Semantic.DeepEqual(next, container.Resources) {
		res.After = res.Before
		return d, res, nil
	}
	resources := map[string]any{} // a null would delete the list
	if next.Requests != nil {
		resources["requests"] = next.Requests
	}
	if next.Limits != nil {
		resources["limits"] = next.Limits
	}
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"resourceVersion": d.ResourceVersion},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"containers": []map[string]any{{
			"name": container.Name, "resources": resources,
		}}}}},
	})
	if err != nil {
		return nil, increaseResult{}, fmt.Errorf("encoding the patch: %w", err)
	}
	opts := metav1.PatchOptions{FieldManager: fieldManager}
	if req.DryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	patched, err := deployments.Patch(ctx, req.Deployment, types.StrategicMergePatchType, patch, opts)
	if err != nil {
		if apierrors.IsConflict(err) {
			return nil, increaseResult{}, err // for RetryOnConflict
		}
		return nil, increaseResult{}, kube.APIError(err, "patch", ref)
	}
	after, _ := findContainer(patched, container.Name) // the patch keeps it: containers merge by name
	res.After, res.Changed = after.Resources, true
	return patched, res, nil
}

// pickContainer returns the named container, or without a name the default one: the one named
// by the pod template's kubectl.kubernetes.io/default-container annotation, else the first.
func pickContainer(d *appsv1.Deployment, name string, ref kube.Ref) (corev1.Container, error) {
	what := "input \"container\""
	if name == "" {
		name, what = d.Spec.Template.Annotations[DefaultContainerAnnotation], "the annotation "+DefaultContainerAnnotation
		if name == "" {
			return d.Spec.Template.Spec.Containers[0], nil // the API server requires at least one
		}
	}
	if c, ok := findContainer(d, name); ok {
		return c, nil
	}
	names := make([]string, len(d.Spec.Template.Spec.Containers))
	for i, c := range d.Spec.Template.Spec.Containers {
		names[i] = c.Name
	}
	return corev1.Container{}, fmt.Errorf("%s has no container %q (named by %s); its containers are %s",
		ref, name, what, strings.Join(names, ", "))
}

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
