package nodes

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
)

// TaintEdit computes a node's new taints from its current ones. changed false means there is
// nothing to write. It may be called more than once: again after each conflict, on a fresh
// read, so it must not keep state across calls other than what it reports of the last one.
type TaintEdit func(current []corev1.Taint) (taints []corev1.Taint, changed bool)

// TaintChange is what EditTaints found and left, each taint rendered as key=value:effect.
type TaintChange struct {
	// Previous are the node's taints before.
	Previous []string
	// Taints are the node's taints after, or what the dry run says they would be.
	Taints []string
}

// EditTaints reads the node, applies edit to its taints and writes the result when edit says
// it changed. spec.taints is an atomic list (a patch replaces all of it), so the write is a
// merge patch carrying the resourceVersion it read: a taint added meanwhile by someone else
// makes the API server answer Conflict, and EditTaints starts again from a fresh read. A dry
// run sends the same patch with dryRun=All. fieldManager names the action in managedFields.
func EditTaints(ctx context.Context, c kubernetes.Interface, node string, edit TaintEdit, dryRun bool, fieldManager string) (TaintChange, error) {
	ref := kube.Ref{Kind: "node", Name: node}
	var res TaintChange
	verb := "get"
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		verb = "get"
		n, err := c.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		if err != nil {
			return err
		}
		taints, changed := edit(n.Spec.Taints)
		res = TaintChange{Previous: RenderTaints(n.Spec.Taints), Taints: RenderTaints(n.Spec.Taints)}
		if !changed {
			return nil
		}
		verb = "patch the taints of"
		patched, err := patchTaints(ctx, c, n, taints, dryRun, fieldManager)
		if err != nil {
			return err
		}
		res.Taints = RenderTaints(patched.Spec.Taints)
		return nil
	})
	if err != nil {
		return TaintChange{}, kube.APIError(err, verb, ref)
	}
	return res, nil
}

// patchTaints writes taints (nil removes the field) with a merge patch that the API server
// applies only to the resourceVersion of n.
func patchTaints(ctx context.Context, c kubernetes.Interface, n *corev1.Node, taints []corev1.Taint, dryRun bool, fieldManager string) (*corev1.Node, error) {
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"resourceVersion": n.ResourceVersion},
		"spec":     map[string]any{"taints": taints},
	})
	if err != nil {
		return nil, fmt.Errorf("encoding the taints: %w", err)
	}
	opts := metav1.PatchOptions{FieldManager: fieldManager}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	return c.CoreV1().Nodes().Patch(ctx, n.Name, types.MergePatchType, patch, opts)
}

// RenderTaints lists taints as key=value:effect, never nil (an output is an array, not null).
func RenderTaints(taints []corev1.Taint) []string {
	out := make([]string, 0, len(taints))
	for _, t := range taints {
		out = append(out, t.ToString())
	}
	return out
}
