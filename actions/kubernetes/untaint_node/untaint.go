package main

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/actions/internal/nodes"
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
	nodes.TaintChange
	Removed []string
}

// untaintNode removes the taints that sel matches, through nodes.EditTaints (which retries on
// a conflict).
func untaintNode(ctx context.Context, c kubernetes.Interface, node string, sel selector, dryRun bool) (untaintResult, error) {
	var res untaintResult
	edit := func(current []corev1.Taint) ([]corev1.Taint, bool) {
		var kept, removed []corev1.Taint
		for _, t := range current {
			if sel.matches(t) {
				removed = append(removed, t)
			} else {
				kept = append(kept, t)
			}
		}
		res.Removed = nodes.RenderTaints(removed)
		return kept, len(removed) > 0
	}
	change, err := nodes.EditTaints(ctx, c, node, edit, dryRun, fieldManager)
	if err != nil {
		return untaintResult{}, err
	}
	res.TaintChange = change
	ref := kube.Ref{Kind: "node", Name: node}
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
