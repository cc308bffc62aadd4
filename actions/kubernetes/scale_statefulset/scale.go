package main

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// scaleRequest is one complete, checked request.
type scaleRequest struct {
	Namespace    string
	StatefulSet  string
	Replicas     int32
	DryRun       bool
	WaitForReady bool
}

// scaleResult says what the action found and did.
type scaleResult struct {
	// Previous is spec.replicas before the action.
	Previous int32
	// Replicas is spec.replicas after the action, or what the dry run says it would be.
	Replicas int32
	// Ready is status.readyReplicas when the action ended.
	Ready int32
	// Changed is whether spec.replicas changed (would change, in a dry run).
	Changed bool
}

// scaleStatefulSet sets the StatefulSet's replicas through the scale subresource, which changes
// spec.replicas and nothing else (an update of the whole StatefulSet could undo a concurrent
// change to its template), then waits for the replicas when asked. A dry run sends the same
// update with dryRun=All: validation and admission run, nothing is persisted, nothing waited for.
func scaleStatefulSet(ctx context.Context, c kubernetes.Interface, req scaleRequest) (scaleResult, error) {
	ref := kube.Ref{Kind: "statefulset", Namespace: req.Namespace, Name: req.StatefulSet}
	res, err := setReplicas(ctx, c, req, ref)
	if err != nil {
		return scaleResult{}, err
	}
	logChange(ctx, req, ref, res)
	statefulsets := c.AppsV1().StatefulSets(req.Namespace)
	var d *appsv1.StatefulSet
	if req.WaitForReady && !req.DryRun {
		d, err = waitForReplicas(ctx, statefulsets, ref, req.Replicas)
	} else {
		d, err = statefulsets.Get(ctx, req.StatefulSet, metav1.GetOptions{})
		if err != nil {
			err = kube.APIError(err, "get", ref)
		}
	}
	if err != nil {
		return scaleResult{}, err
	}
	res.Ready = d.Status.ReadyReplicas
	return res, nil
}

// setReplicas reads the scale subresource and, when it differs from the request, updates it,
// retrying when someone else changed the StatefulSet between the read and the update (the
// update carries the read's resourceVersion, so it never overwrites an unseen change).
func setReplicas(ctx context.Context, c kubernetes.Interface, req scaleRequest, ref kube.Ref) (scaleResult, error) {
	statefulsets := c.AppsV1().StatefulSets(req.Namespace)
	var res scaleResult
	verb := "get the scale of" // the call that failed, for the message
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		verb = "get the scale of"
		scale, err := statefulsets.GetScale(ctx, req.StatefulSet, metav1.GetOptions{})
		if err != nil {
			return err
		}
		res = scaleResult{Previous: scale.Spec.Replicas, Replicas: scale.Spec.Replicas}
		if scale.Spec.Replicas == req.Replicas {
			return nil
		}
		scale.Spec.Replicas = req.Replicas
		opts := metav1.UpdateOptions{FieldManager: fieldManager}
		if req.DryRun {
			opts.DryRun = []string{metav1.DryRunAll}
		}
		verb = "update the scale of"
		updated, err := statefulsets.UpdateScale(ctx, req.StatefulSet, scale, opts)
		if err != nil {
			return err // RetryOnConflict retries a conflict and returns anything else
		}
		res.Replicas, res.Changed = updated.Spec.Replicas, updated.Spec.Replicas != res.Previous
		return nil
	})
	if err != nil {
		return scaleResult{}, kube.APIError(err, verb, ref)
	}
	return res, nil
}

// fieldManager names the action in managedFields, so `kubectl get -o yaml --show-managed-fields`
// shows who set the replicas.
const fieldManager = "kubernaut-scale-statefulset"

func logChange(ctx context.Context, req scaleRequest, ref kube.Ref, res scaleResult) {
	switch {
	case !res.Changed:
		action.Logf(ctx, "%s already has %d replicas; nothing to change", ref, res.Previous)
	case req.DryRun:
		action.Logf(ctx, "dry run: %s would be scaled from %d to %d replicas; nothing was changed", ref, res.Previous, res.Replicas)
	default:
		action.Logf(ctx, "scaled %s from %d to %d replicas", ref, res.Previous, res.Replicas)
	}
}
