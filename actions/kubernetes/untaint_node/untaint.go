package main

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
	"github.com/kubernaut/kubernaut/sdk/action"
)

// fieldManager names the action in managedFields.
const fieldManager = "kubernaut-untaint-node"

// selector picks the taints to remove: those with Key and, unless Effect is empty, Effect.
type selector struct {
	Key    string
	Effect corev1.TaintEffect
}

func (s selector) matches(t corev1.Taint) bool {
	return t.Key == s.Key && (s.Effect == "" || t.Effect == s.Effect)
}

func (s selector) String() string {
	if s.Effect == "" {
		return s.Key + " (any effect)"
	}
	return s.Key + ":" + string(s.Effect)
}

// untaintResult says what the action found and did. Taints are rendered as key=value:effect.
type untaintResult struct {
	Previous []string
	Taints   []string
	Removed  []string
}

// untaintNode removes the taints that sel matches. spec.taints is an atomic list (a patch
// replaces all of it), so the action reads the node, computes the remaining list and writes it
// with a merge patch carrying the resourceVersion it read: a taint added meanwhile by someone
// else makes the API server answer Conflict, and the action starts again from a fresh read.
func untaintNode(ctx context.Context, c kubernetes.Interface, node string, sel selector, dryRun bool) (untaintResult, error) {
	ref := kube.Ref{Kind: "node", Name: node}
	var res untaintResult
	verb := "get"
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		verb = "get"
		n, err := c.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		if err != nil {
			return err
		}
		var kept, removed []corev1.Taint
		for _, t := range n.Spec.Taints {
			if sel.matches(t) {
				removed = append(removed, t)
			} else {
				kept = append(kept, t)
			}
		}
		res = untaintResult{Previous: render(n.Spec.Taints), Taints: render(n.Spec.Taints), Removed: render(removed)}
		if len(removed) == 0 {
			return nil
		}
		verb = "patch the taints of"
		patched, err := patchTaints(ctx, c, n, kept, dryRun)
		if err != nil {
			return err
		}
		res.Taints = render(patched.Spec.Taints)
		return nil
	})
	if err != nil {
		return untaintResult{}, kube.APIError(err, verb, ref)
	}
	switch {
	case len(res.Removed) == 0:
		action.Logf(ctx, "%s has no taint %s; nothing to change", ref, sel)
	case dryRun:
		action.Logf(ctx, "dry run: %s would lose the taints %v; nothing was changed", ref, res.Removed)
	default:
		action.Logf(ctx, "removed the taints %v from %s", res.Removed, ref)
	}
	return res, nil
}

// patchTaints writes taints (nil removes the field) with a merge patch that the API server
// applies only to the resourceVersion of n.
func patchTaints(ctx context.Context, c kubernetes.Interface, n *corev1.Node, taints []corev1.Taint, dryRun bool) (*corev1.Node, error) {
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

// render lists taints as key=value:effect, never nil (an output is an array, not null).
func render(taints []corev1.Taint) []string {
	out := make([]string, 0, len(taints))
	for _, t := range taints {
		out = append(out, t.ToString())
	}
	return out
}
