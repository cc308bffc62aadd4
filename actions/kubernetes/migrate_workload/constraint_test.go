package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

func TestWithoutConstraintUndoesWithConstraint(t *testing.T) {
	fields := corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{"n1", "n2"}}}}
	tests := []struct {
		name     string
		affinity *corev1.Affinity
	}{
		{"no affinity at all", nil},
		{"an empty affinity", &corev1.Affinity{}},
		{"pod anti-affinity only", &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{TopologyKey: HostnameLabel}},
		}}},
		{"the owner's required terms and preferences", zonalAffinity()},
		{"a term with match fields only", &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{fields}},
		}}},
	}
	for _, tt := range tests {
		for _, c := range []constraint{{Operator: corev1.NodeSelectorOpNotIn, Node: "n1"}, {Operator: corev1.NodeSelectorOpIn, Node: "n2"}} {
			t.Run(tt.name+" with "+c.String(), func(t *testing.T) {
				with := withConstraint(tt.affinity, c)
				for i, term := range requiredOf(with).NodeSelectorTerms {
					if last := term.MatchExpressions[len(term.MatchExpressions)-1]; !cmp.Equal(last, c.requirement()) {
						t.Errorf("term %d ends with %v, want the constraint", i, last)
					}
				}

				got := withoutConstraint(with, c)

				want := tt.affinity
				if want != nil && cmp.Equal(*want, corev1.Affinity{}) {
					want = nil // an empty affinity is no affinity; the API server stores neither
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("(-original +after with and without):\n%s", diff)
				}
			})
		}
	}
}

func TestWithoutConstraintLeavesTheOwnersEqualExpressionOnce(t *testing.T) {
	c := constraint{Operator: corev1.NodeSelectorOpNotIn, Node: "n1"}
	// The owner already excludes n1; the action's expression is a second, equal one.
	owner := &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{c.requirement()}}},
	}}}

	got := withoutConstraint(withConstraint(owner, c), c)

	if diff := cmp.Diff(owner, got); diff != "" {
		t.Errorf("(-owner's +after):\n%s", diff)
	}
}

func TestParseRecordRefusesWhatItDidNotWrite(t *testing.T) {
	for _, raw := range []string{"n1", `{"operator":"Exists","node":"n1"}`, `{"operator":"In"}`} {
		if _, err := parseRecord(map[string]string{RecordAnnotation: raw}); err == nil {
			t.Errorf("parseRecord(%q) accepted it", raw)
		}
	}
	c := constraint{Operator: corev1.NodeSelectorOpIn, Node: "n1"}
	if got, err := parseRecord(map[string]string{RecordAnnotation: c.encode()}); err != nil || got != c {
		t.Errorf("parseRecord(encode()) = %v, %v; want %v", got, err, c)
	}
}
