// Package scale sets a workload's replicas through its scale subresource, for the built-in
// actions that scale (scale_deployment, scale_statefulset, and any later one for another
// kind with a scale subresource).
//
// The scale subresource changes spec.replicas and nothing else: an update of the whole object
// could undo a concurrent change to its template. Its RBAC is also separate
// (<resource>/scale), so a contract can grant scaling without granting edits of the workload.
package scale

import (
	"context"
	"fmt"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// Client is the scale subresource of one kind of workload in one namespace. The typed clients
// of client-go (DeploymentInterface, StatefulSetInterface, ReplicaSetInterface) satisfy it.
type Client interface {
	GetScale(ctx context.Context, name string, opts metav1.GetOptions) (*autoscalingv1.Scale, error)
	UpdateScale(ctx context.Context, name string, scale *autoscalingv1.Scale, opts metav1.UpdateOptions) (*autoscalingv1.Scale, error)
}

// Result says what Set found and did.
type Result struct {
	// Previous is spec.replicas before.
	Previous int32
	// Replicas is spec.replicas after, or what the dry run says it would be.
	Replicas int32
	// Changed is whether spec.replicas changed (would change, in a dry run).
	Changed bool
}

// Set reads the scale of the object that ref names and, when its replicas differ from want,
// updates it, then logs what it did. The update carries the read's resourceVersion, so it never
// overwrites an unseen change; a conflict is retried from a fresh read. Nothing is written when
// the replicas already are want. A dry run sends the same update with dryRun=All: validation
// and admission run, nothing is persisted. fieldManager names the action in managedFields, so
// `kubectl get -o yaml --show-managed-fields` shows who set the replicas.
func Set(ctx context.Context, c Client, ref kube.Ref, want int32, dryRun bool, fieldManager string) (Result, error) {
	var res Result
	verb := "get the scale of" // the call that failed, for the message
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		verb = "get the scale of"
		s, err := c.GetScale(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		res = Result{Previous: s.Spec.Replicas, Replicas: s.Spec.Replicas}
		if s.Spec.Replicas == want {
			return nil
		}
		s.Spec.Replicas = want
		opts := metav1.UpdateOptions{FieldManager: fieldManager}
		if dryRun {
			opts.DryRun = []string{metav1.DryRunAll}
		}
		verb = "update the scale of"
		updated, err := c.UpdateScale(ctx, ref.Name, s, opts)
		if err != nil {
			return err // RetryOnConflict retries a conflict and returns anything else
		}
		res.Replicas, res.Changed = updated.Spec.Replicas, updated.Spec.Replicas != res.Previous
		return nil
	})
	if err != nil {
		return Result{}, kube.APIError(err, verb, ref)
	}
	logChange(ctx, ref, res, dryRun)
	return res, nil
}

func logChange(ctx context.Context, ref kube.Ref, res Result, dryRun bool) {
	switch {
	case !res.Changed:
		action.Logf(ctx, "%s already has %d replicas; nothing to change", ref, res.Previous)
	case dryRun:
		action.Logf(ctx, "dry run: %s would be scaled from %d to %d replicas; nothing was changed", ref, res.Previous, res.Replicas)
	default:
		action.Logf(ctx, "scaled %s from %d to %d replicas", ref, res.Previous, res.Replicas)
	}
}

// WaitGoal is what a wait for want ready replicas of ref awaits, for rollout.Wait's message:
// "gave up waiting for deployment shop/web to have 3 ready replicas (…)".
func WaitGoal(ref kube.Ref, want int32) string {
	return fmt.Sprintf("%s to have %d ready replicas", ref, want)
}
