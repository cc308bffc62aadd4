package main

import (
	"encoding/json"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
)

const (
	// RecordAnnotation is the pod template annotation in which the action records the
	// expression it added. It lives on the template, so that it travels with it: a rollback to
	// a revision without the constraint also takes the record away.
	RecordAnnotation = "kubernaut.ai/placement"
	// HostnameLabel is the label every kubelet sets to its node's name.
	HostnameLabel = corev1.LabelHostname
)

// constraint is the one expression the action adds: the pods run on Node (In) or not on it
// (NotIn). It is also the content of RecordAnnotation.
type constraint struct {
	Operator corev1.NodeSelectorOperator `json:"operator"`
	Node     string                      `json:"node"`
}

// String renders the constraint for outputs and logs: "kubernetes.io/hostname NotIn (node-1)".
func (c constraint) String() string {
	if c.Node == "" {
		return ""
	}
	return fmt.Sprintf("%s %s (%s)", HostnameLabel, c.Operator, c.Node)
}

// requirement is the constraint as a node selector requirement.
func (c constraint) requirement() corev1.NodeSelectorRequirement {
	return corev1.NodeSelectorRequirement{Key: HostnameLabel, Operator: c.Operator, Values: []string{c.Node}}
}

// parseRecord reads the record of a template; the zero constraint when there is none.
func parseRecord(annotations map[string]string) (constraint, error) {
	raw, ok := annotations[RecordAnnotation]
	if !ok {
		return constraint{}, nil
	}
	var c constraint
	if err := json.Unmarshal([]byte(raw), &c); err != nil || c.Node == "" ||
		(c.Operator != corev1.NodeSelectorOpIn && c.Operator != corev1.NodeSelectorOpNotIn) {
		return constraint{}, fmt.Errorf("the pod template annotation %s is not a record this action wrote (%q); "+
			"remove it by hand", RecordAnnotation, raw)
	}
	return c, nil
}

// encode renders the constraint for the annotation.
func (c constraint) encode() string {
	data, _ := json.Marshal(c) // two strings: cannot fail
	return string(data)
}

// withConstraint returns a copy of affinity with c's expression added to every required node
// selector term. Terms are ORed and the expressions of a term ANDed, so adding the expression
// to each term keeps every rule the owner wrote and adds ours to all of them; a separate term
// would widen the choice instead. Without terms, the expression becomes the only term.
func withConstraint(affinity *corev1.Affinity, c constraint) *corev1.Affinity {
	out := affinity.DeepCopy()
	if out == nil {
		out = &corev1.Affinity{}
	}
	if out.NodeAffinity == nil {
		out.NodeAffinity = &corev1.NodeAffinity{}
	}
	required := out.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	if required == nil || len(required.NodeSelectorTerms) == 0 {
		out.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{c.requirement()}}},
		}
		return out
	}
	for i := range required.NodeSelectorTerms {
		term := &required.NodeSelectorTerms[i]
		term.MatchExpressions = append(term.MatchExpressions, c.requirement())
	}
	return out
}

// withoutConstraint returns a copy of affinity without c's expression: removed from every term
// (the first equal expression of each, as withConstraint added one), and a term left empty
// removed with it, because the action created it. What ends up empty is removed too, so that a
// template that had no affinity has none again.
func withoutConstraint(affinity *corev1.Affinity, c constraint) *corev1.Affinity {
	out := affinity.DeepCopy()
	if out == nil || out.NodeAffinity == nil || out.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return out
	}
	required := out.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	want := c.requirement()
	terms := required.NodeSelectorTerms[:0]
	for _, term := range required.NodeSelectorTerms {
		if i := slices.IndexFunc(term.MatchExpressions, func(r corev1.NodeSelectorRequirement) bool {
			return apiequality.Semantic.DeepEqual(r, want)
		}); i >= 0 {
			term.MatchExpressions = slices.Delete(term.MatchExpressions, i, i+1)
			if len(term.MatchExpressions) == 0 {
				term.MatchExpressions = nil
				if len(term.MatchFields) == 0 {
					continue
				}
			}
		}
		terms = append(terms, term)
	}
	required.NodeSelectorTerms = terms
	if len(terms) == 0 {
		out.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = nil
	}
	if apiequality.Semantic.DeepEqual(*out.NodeAffinity, corev1.NodeAffinity{}) {
		out.NodeAffinity = nil
	}
	if apiequality.Semantic.DeepEqual(*out, corev1.Affinity{}) {
		return nil
	}
	return out
}

// requiredOf returns affinity's required node selector, nil when there is none.
func requiredOf(affinity *corev1.Affinity) *corev1.NodeSelector {
	if affinity == nil || affinity.NodeAffinity == nil {
		return nil
	}
	return affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
}

// asObject renders a node selector for an output: its JSON as an object, {} for none.
func asObject(ns *corev1.NodeSelector) map[string]any {
	out := map[string]any{}
	if ns == nil {
		return out
	}
	data, _ := json.Marshal(ns) // API types: cannot fail
	_ = json.Unmarshal(data, &out)
	return out
}
