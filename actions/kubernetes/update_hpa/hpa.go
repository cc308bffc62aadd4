package main

import (
	"context"
	"errors"
	"fmt"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// fieldManager names the action in managedFields.
const fieldManager = "kubernaut-update-hpa"

// hpaRequest is one complete, checked request. Min and Max are nil when not given.
type hpaRequest struct {
	Namespace string
	HPA       string
	Min, Max  *int32
	DryRun    bool
}

// bounds are an autoscaler's minReplicas and maxReplicas.
type bounds struct{ Min, Max int32 }

// hpaResult says what the action found and did.
type hpaResult struct {
	Before, After   bounds
	Target          string // "Deployment/web"
	CurrentReplicas int32
}

// updateHPA reads the autoscaler, applies the request's bounds and, when they differ, writes it
// back with the resourceVersion it read, retrying on a conflict with a fresh read. The
// autoscaling/v2 API is used because v1 cannot carry the metrics of newer autoscalers: an
// update through v1 keeps them only by round-tripping annotations.
func updateHPA(ctx context.Context, c kubernetes.Interface, req hpaRequest) (hpaResult, error) {
	ref := kube.Ref{Kind: "horizontalpodautoscaler", Namespace: req.Namespace, Name: req.HPA}
	hpas := c.AutoscalingV2().HorizontalPodAutoscalers(req.Namespace)
	var res hpaResult
	verb := "get"
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		verb = "get"
		hpa, err := hpas.Get(ctx, req.HPA, metav1.GetOptions{})
		if err != nil {
			return err
		}
		res = hpaResult{Before: boundsOf(hpa), Target: hpa.Spec.ScaleTargetRef.Kind + "/" + hpa.Spec.ScaleTargetRef.Name}
		res.After, res.CurrentReplicas = res.Before, hpa.Status.CurrentReplicas
		want := bounds{Min: ptr.Deref(req.Min, res.Before.Min), Max: ptr.Deref(req.Max, res.Before.Max)}
		if want.Min > want.Max {
			return &boundsError{ref: ref, before: res.Before, want: want, req: req}
		}
		if want == res.Before {
			return nil
		}
		hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas = ptr.To(want.Min), want.Max
		opts := metav1.UpdateOptions{FieldManager: fieldManager}
		if req.DryRun {
			opts.DryRun = []string{metav1.DryRunAll}
		}
		verb = "update"
		updated, err := hpas.Update(ctx, hpa, opts)
		if err != nil {
			return err
		}
		res.After = boundsOf(updated)
		return nil
	})
	if be := (*boundsError)(nil); errors.As(err, &be) {
		return hpaResult{}, err
	}
	if err != nil {
		return hpaResult{}, kube.APIError(err, verb, ref)
	}
	logChange(ctx, req, ref, res)
	return res, nil
}

// boundsOf returns the autoscaler's bounds; an unset minReplicas is the API's default, 1.
func boundsOf(hpa *autoscalingv2.HorizontalPodAutoscaler) bounds {
	return bounds{Min: ptr.Deref(hpa.Spec.MinReplicas, 1), Max: hpa.Spec.MaxReplicas}
}

// boundsError is a request that would leave minReplicas above maxReplicas once combined with
// the bound it leaves as it is. The API server would refuse it too, but without saying which
// input to change.
type boundsError struct {
	ref          fmt.Stringer
	before, want bounds
	req          hpaRequest
}

func (e *boundsError) Error() string {
	switch {
	case e.req.Max == nil:
		return fmt.Sprintf("input \"minReplicas\" (%d) is greater than the maxReplicas (%d) of %s; raise maxReplicas in the same step",
			e.want.Min, e.before.Max, e.ref)
	case e.req.Min == nil:
		return fmt.Sprintf("input \"maxReplicas\" (%d) is less than the minReplicas (%d) of %s; lower minReplicas in the same step",
			e.want.Max, e.before.Min, e.ref)
	default:
		return fmt.Sprintf("minReplicas %d is greater than maxReplicas %d for %s", e.want.Min, e.want.Max, e.ref)
	}
}

func logChange(ctx context.Context, req hpaRequest, ref kube.Ref, res hpaResult) {
	switch {
	case res.Before == res.After:
		action.Logf(ctx, "%s already has minReplicas %d and maxReplicas %d; nothing to change", ref, res.Before.Min, res.Before.Max)
	case req.DryRun:
		action.Logf(ctx, "dry run: %s would go from %d..%d to %d..%d replicas; nothing was changed",
			ref, res.Before.Min, res.Before.Max, res.After.Min, res.After.Max)
	default:
		action.Logf(ctx, "updated %s from %d..%d to %d..%d replicas", ref, res.Before.Min, res.Before.Max, res.After.Min, res.After.Max)
	}
}
