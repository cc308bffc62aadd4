package v1alpha1_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
)

func TestActionExecutionPhase_IsFinished(t *testing.T) {
	tests := []struct {
		phase executionv1alpha1.ActionExecutionPhase
		want  bool
	}{
		{executionv1alpha1.PhasePending, false},
		{executionv1alpha1.PhaseVerifying, false},
		{executionv1alpha1.PhaseRunning, false},
		{executionv1alpha1.PhaseSucceeded, true},
		{executionv1alpha1.PhaseFailed, true},
		{executionv1alpha1.PhasePrepared, true},
		{"", false},
	}
	for _, tt := range tests {
		if got := tt.phase.IsFinished(); got != tt.want {
			t.Errorf("phase %q IsFinished() = %v, want %v", tt.phase, got, tt.want)
		}
	}
}

func TestActionExecution_SetConditionsIsReadBackByGetConditions(t *testing.T) {
	obj := &executionv1alpha1.ActionExecution{}
	want := []metav1.Condition{{
		Type:   executionv1alpha1.ReadyCondition,
		Status: metav1.ConditionFalse,
		Reason: executionv1alpha1.VerificationFailedReason,
	}}
	obj.SetConditions(want)
	if diff := cmp.Diff(want, obj.GetConditions()); diff != "" {
		t.Errorf("conditions read back (-want +got):\n%s", diff)
	}
}
