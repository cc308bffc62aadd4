package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// IsFinished reports whether the phase is terminal (Succeeded or Failed): a finished run never
// changes again, so controllers and clients can stop watching it.
func (p ActionExecutionPhase) IsFinished() bool {
	return p == PhaseSucceeded || p == PhaseFailed
}

// GetConditions returns the status conditions, for condition helpers that work on any object.
func (in *ActionExecution) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces the status conditions, for condition helpers that work on any object.
func (in *ActionExecution) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}
