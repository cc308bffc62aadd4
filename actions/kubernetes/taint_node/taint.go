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
const fieldManager = "kubernaut-taint-node"

// taintResult says what the action found and did. Taints are rendered as key=value:effect.
type taintResult struct {
	Previous []string
	Taints   []string
	// Replaced is the taint with the same key and effect that the new one replaced, or "".
	Replaced string
	Changed  bool
}

// taintNode puts want on the node. spec.taints is an atomic list (a patch replaces all of it),
// so the action reads the node, computes the new list and writes it with a merge patch that
// carries the resourceVersion it read: a taint added meanwhile by someone else makes the
// API server answer Conflict, and the action starts again from a fresh read.
func taintNode(ctx context.Context, c kubernetes.Interface, node string, want corev1.Taint, dryRun bool) (taintResult, error) {
	ref := kube.Ref{Kind: "node", Name: node}
	var res taintResult
	verb := "get"
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		verb = "get"
		n, err := c.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		if err != nil {
			return err
		}
		taints, replaced, changed := withTaint(n.Spec.Taints, want, metav1.Now())
		res = taintResult{Previous: render(n.Spec.Taints), Taints: render(n.Spec.Taints), Changed: changed}
		if replaced != nil {
			res.Replaced = replaced.ToString()
		}
		if !changed {
			return nil
		}
		verb = "patch the taints of"
		patched, err := patchTaints(ctx, c, n, taints, dryRun)
		if err != nil {
			return err
		}
		res.Taints = render(patched.Spec.Taints)
		return nil
	})
	if err != nil {
		return taintResult{}, kube.APIError(err, verb, ref)
	}
	logChange(ctx, ref, want, res, dryRun)
	return res, nil
}

// withTaint returns taints with want in place of a taint with the same key and effect (at its
// position), or appended. replaced is the taint it took the place of; changed is false when
// that taint already had want's value. A NoExecute taint gets timeAdded, as kubectl sets it:
// tolerationSeconds count from it.
func withTaint(taints []corev1.Taint, want corev1.Taint, now metav1.Time) (out []corev1.Taint, replaced *corev1.Taint, changed bool) {
	if want.Effect == corev1.TaintEffectNoExecute {
		want.TimeAdded = &now
	}
	out = make([]corev1.Taint, 0, len(taints)+1)
	for i := range taints {
		if taints[i].MatchTaint(&want) {
			replaced = &taints[i]
			if taints[i].Value == want.Value {
				return taints, replaced, false
			}
			out = append(out, want)
			continue
		}
		out = append(out, taints[i])
	}
	if replaced == nil {
		out = append(out, want)
	}
	return out, replaced, true
}

// patchTaints writes taints with a merge patch that the API server applies only to the
// resourceVersion of n.
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

func logChange(ctx context.Context, ref kube.Ref, want corev1.Taint, res taintResult, dryRun bool) {
	switch {
	case !res.Changed:
		action.Logf(ctx, "%s already has the taint %s; nothing to change", ref, want.ToString())
	case dryRun:
		action.Logf(ctx, "dry run: %s would get the taint %s (replacing %q); nothing was changed", ref, want.ToString(), res.Replaced)
	default:
		action.Logf(ctx, "tainted %s with %s (replaced %q)", ref, want.ToString(), res.Replaced)
	}
}
