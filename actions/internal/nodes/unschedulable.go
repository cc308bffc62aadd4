// Package nodes holds the node writes that the built-in node actions share: setting
// spec.unschedulable (cordon_node, uncordon_node) and editing spec.taints (taint_node,
// untaint_node). Nodes are cluster-scoped, so every call names the node alone, and each
// action's contract grants nodes get and patch with scope Cluster.
package nodes

import (
	"context"
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// UnschedulableResult says what SetUnschedulable found and did.
type UnschedulableResult struct {
	// Previous is spec.unschedulable before.
	Previous bool
	// Unschedulable is spec.unschedulable after, or what the dry run says it would be.
	Unschedulable bool
	// Changed is whether spec.unschedulable changed (would change, in a dry run).
	Changed bool
}

// SetUnschedulable reads the node and, when spec.unschedulable differs from want, sets it with
// a JSON merge patch of that one field: the patch cannot undo a concurrent change to the node's
// labels or taints, and it is idempotent, so no resourceVersion precondition is needed. false is
// written as null, which removes the field, as kubectl uncordon does. A dry run sends the same
// patch with dryRun=All. fieldManager names the action in managedFields, so that the node's
// YAML shows who cordoned or uncordoned it.
func SetUnschedulable(ctx context.Context, c kubernetes.Interface, node string, want, dryRun bool, fieldManager string) (UnschedulableResult, error) {
	ref := kube.Ref{Kind: "node", Name: node}
	n, err := c.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if err != nil {
		return UnschedulableResult{}, kube.APIError(err, "get", ref)
	}
	res := UnschedulableResult{Previous: n.Spec.Unschedulable, Unschedulable: n.Spec.Unschedulable}
	if n.Spec.Unschedulable == want {
		action.Logf(ctx, "%s already has unschedulable=%t; nothing to change", ref, want)
		return res, nil
	}
	var value any // nil: remove the field
	if want {
		value = true
	}
	patch, err := json.Marshal(map[string]any{"spec": map[string]any{"unschedulable": value}})
	if err != nil {
		return UnschedulableResult{}, err
	}
	opts := metav1.PatchOptions{FieldManager: fieldManager}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	patched, err := c.CoreV1().Nodes().Patch(ctx, node, types.MergePatchType, patch, opts)
	if err != nil {
		return UnschedulableResult{}, kube.APIError(err, "patch", ref)
	}
	res.Unschedulable = patched.Spec.Unschedulable
	res.Changed = res.Unschedulable != res.Previous
	if dryRun {
		action.Logf(ctx, "dry run: %s would have unschedulable=%t (now %t); nothing was changed", ref, res.Unschedulable, res.Previous)
	} else {
		action.Logf(ctx, "set unschedulable=%t on %s (was %t)", res.Unschedulable, ref, res.Previous)
	}
	return res, nil
}
