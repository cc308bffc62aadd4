package main

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// fieldManager names the action in managedFields, so that the node's YAML shows who cordoned it.
const fieldManager = "kubernaut-drain-node"

// cordon sets spec.unschedulable on the node, unless it is set already, with a JSON merge
// patch of that one field (it cannot undo a concurrent change to labels or taints), and
// returns the value before and after. A dry run sends the same patch with dryRun=All.
func cordon(ctx context.Context, c kubernetes.Interface, node string, dryRun bool) (previous, now bool, err error) {
	ref := kube.Ref{Kind: "node", Name: node}
	n, err := c.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if err != nil {
		return false, false, kube.APIError(err, "get", ref)
	}
	if n.Spec.Unschedulable {
		action.Logf(ctx, "%s is already cordoned", ref)
		return true, true, nil
	}
	opts := metav1.PatchOptions{FieldManager: fieldManager}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	patched, err := c.CoreV1().Nodes().Patch(ctx, node, types.MergePatchType, []byte(`{"spec":{"unschedulable":true}}`), opts)
	if err != nil {
		return false, false, kube.APIError(err, "cordon", ref)
	}
	if dryRun {
		action.Logf(ctx, "dry run: %s would be cordoned", ref)
	} else {
		action.Logf(ctx, "cordoned %s", ref)
	}
	return false, patched.Spec.Unschedulable, nil
}
