package main

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/actions/internal/nodes"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// fieldManager names the action in managedFields.
const fieldManager = "kubernaut-taint-node"

// taintResult says what the action found and did. Taints are rendered as key=value:effect.
type taintResult struct {
	nodes.TaintChange
	// Replaced is the taint with the same key and effect that the new one replaced, or "".
	Replaced string
	Changed  bool
}

// taintNode puts want on the node, through nodes.EditTaints (which retries on a conflict).
func taintNode(ctx context.Context, c kubernetes.Interface, node string, want corev1.Taint, dryRun bool) (taintResult, error) {
	var res taintResult
	edit := func(current []corev1.Taint) ([]corev1.Taint, bool) {
		taints, replaced, changed := withTaint(current, want, metav1.Now())
		res.Replaced, res.Changed = "", changed
		if replaced != nil {
			res.Replaced = replaced.ToString()
		}
		return taints, changed
	}
	change, err := nodes.EditTaints(ctx, c, node, edit, dryRun, fieldManager)
	if err != nil {
		return taintResult{}, err
	}
	res.TaintChange = change
	logChange(ctx, kube.Ref{Kind: "node", Name: node}, want, res, dryRun)
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

// logChange says in the step's log what the action did, or would have done.
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
