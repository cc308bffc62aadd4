package main

import (
	"context"
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/actions/internal/rollout"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// RestartedAtAnnotation is the pod template annotation that `kubectl rollout restart` sets.
// Using the same one means kubectl, Argo CD and people recognise the restart, and a later
// kubectl restart simply overwrites it.
const RestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"

// fieldManager names the action in managedFields.
const fieldManager = "kubernaut-restart-deployment"

// restartRequest is one complete, checked request.
type restartRequest struct {
	Namespace      string
	Deployment     string
	RestartedAt    string // the annotation's new value
	DryRun         bool
	WaitForRollout bool
}

// restartResult says what the action found and did.
type restartResult struct {
	PreviousRestartedAt, RestartedAt string
	PreviousGeneration, Generation   int64
	UpdatedReplicas                  int32
	AvailableReplicas                int32
}

// restartDeployment changes the pod template's restartedAt annotation with a strategic merge
// patch, which touches that one annotation and nothing else, so the Deployment controller
// replaces every pod under the Deployment's own rollout strategy (maxUnavailable, maxSurge).
// A paused Deployment is refused: the patch would be recorded but no pod would be replaced,
// and the step would report a restart that did not happen.
func restartDeployment(ctx context.Context, c kubernetes.Interface, req restartRequest) (restartResult, error) {
	ref := kube.Ref{Kind: "deployment", Namespace: req.Namespace, Name: req.Deployment}
	deployments := c.AppsV1().Deployments(req.Namespace)
	d, err := deployments.Get(ctx, req.Deployment, metav1.GetOptions{})
	if err != nil {
		return restartResult{}, kube.APIError(err, "get", ref)
	}
	if d.Spec.Paused {
		return restartResult{}, fmt.Errorf("%s is paused: a restart would not replace any pod until it is resumed; "+
			"resume it first (kubectl rollout resume deployment/%s)", ref, req.Deployment)
	}
	res := restartResult{PreviousRestartedAt: d.Spec.Template.Annotations[RestartedAtAnnotation], PreviousGeneration: d.Generation}
	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{
		"annotations": map[string]string{RestartedAtAnnotation: req.RestartedAt},
	}}}}) // strings only: cannot fail
	opts := metav1.PatchOptions{FieldManager: fieldManager}
	if req.DryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	if d, err = deployments.Patch(ctx, req.Deployment, types.StrategicMergePatchType, patch, opts); err != nil {
		return restartResult{}, kube.APIError(err, "patch", ref)
	}
	res.RestartedAt, res.Generation = d.Spec.Template.Annotations[RestartedAtAnnotation], d.Generation
	if req.DryRun {
		action.Logf(ctx, "dry run: %s would be restarted (restartedAt %s, generation %d -> %d); nothing was changed",
			ref, res.RestartedAt, res.PreviousGeneration, res.Generation)
	} else {
		action.Logf(ctx, "restarted %s (restartedAt %s, generation %d -> %d)", ref, res.RestartedAt, res.PreviousGeneration, res.Generation)
		if req.WaitForRollout {
			if d, err = rollout.WaitForDeployment(ctx, deployments, ref); err != nil {
				return restartResult{}, err
			}
		}
	}
	res.UpdatedReplicas, res.AvailableReplicas = d.Status.UpdatedReplicas, d.Status.AvailableReplicas
	return res, nil
}
