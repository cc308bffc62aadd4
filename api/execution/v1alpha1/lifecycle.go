package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// IsFinished reports whether the phase is terminal (Succeeded, Failed or Prepared): a finished
// ActionExecution never changes again, so controllers and clients can stop watching it.
// Prepared is terminal for the ActionExecution only: the action itself runs later, in a Tekton
// TaskRun, whose outcome is not recorded here.
func (p ActionExecutionPhase) IsFinished() bool {
	return p == PhaseSucceeded || p == PhaseFailed || p == PhasePrepared
}

// GetConditions returns the status conditions, for condition helpers that work on any object.
func (in *ActionExecution) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces the status conditions, for condition helpers that work on any object.
func (in *ActionExecution) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}
