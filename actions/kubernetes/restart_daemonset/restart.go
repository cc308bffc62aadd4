package main

import (
	"context"
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
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
const fieldManager = "kubernaut-restart-daemonset"

// restartRequest is one complete, checked request.
type restartRequest struct {
	Namespace      string
	DaemonSet      string
	RestartedAt    string // the annotation's new value
	DryRun         bool
	WaitForRollout bool
}

// restartResult says what the action found and did.
type restartResult struct {
	PreviousRestartedAt, RestartedAt string
	PreviousGeneration, Generation   int64
	// Desired, Updated and Available are the DaemonSet's pod counts when the action ended.
	Desired, Updated, Available int32
}

// restartDaemonSet changes the pod template's restartedAt annotation with a strategic merge
// patch, which touches that one annotation and nothing else, so the DaemonSet controller
// replaces the pod on every node under the DaemonSet's own rolling update settings
// (maxUnavailable, maxSurge). A DaemonSet with the OnDelete strategy is refused: the patch
// would be recorded, but no pod would be replaced until someone deletes it, and the step
// would report a restart that did not happen.
func restartDaemonSet(ctx context.Context, c kubernetes.Interface, req restartRequest) (restartResult, error) {
	ref := kube.Ref{Kind: "daemonset", Namespace: req.Namespace, Name: req.DaemonSet}
	daemonsets := c.AppsV1().DaemonSets(req.Namespace)
	d, err := daemonsets.Get(ctx, req.DaemonSet, metav1.GetOptions{})
	if err != nil {
		return restartResult{}, kube.APIError(err, "get", ref)
	}
	if d.Spec.UpdateStrategy.Type == appsv1.OnDeleteDaemonSetStrategyType {
		return restartResult{}, fmt.Errorf("%s uses the OnDelete update strategy: a restart would replace no pod "+
			"until each is deleted; delete its pods instead, or switch it to RollingUpdate", ref)
	}
	res := restartResult{PreviousRestartedAt: d.Spec.Template.Annotations[RestartedAtAnnotation], PreviousGeneration: d.Generation}
	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{
		"annotations": map[string]string{RestartedAtAnnotation: req.RestartedAt},
	}}}}) // strings only: cannot fail
	opts := metav1.PatchOptions{FieldManager: fieldManager}
	if req.DryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	if d, err = daemonsets.Patch(ctx, req.DaemonSet, types.StrategicMergePatchType, patch, opts); err != nil {
		return restartResult{}, kube.APIError(err, "patch", ref)
	}
	res.RestartedAt, res.Generation = d.Spec.Template.Annotations[RestartedAtAnnotation], d.Generation
	if req.DryRun {
		action.Logf(ctx, "dry run: %s would be restarted (restartedAt %s, generation %d -> %d); nothing was changed",
			ref, res.RestartedAt, res.PreviousGeneration, res.Generation)
	} else {
		action.Logf(ctx, "restarted %s (restartedAt %s, generation %d -> %d)", ref, res.RestartedAt, res.PreviousGeneration, res.Generation)
		if req.WaitForRollout {
			if d, err = rollout.WaitForDaemonSet(ctx, daemonsets, ref); err != nil {
				return restartResult{}, err
			}
		}
	}
	st := d.Status
	res.Desired, res.Updated, res.Available = st.DesiredNumberScheduled, st.UpdatedNumberScheduled, st.NumberAvailable
	return res, nil
}
