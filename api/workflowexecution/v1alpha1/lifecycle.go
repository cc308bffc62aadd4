package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// IsFinished reports whether the workflow phase is terminal: a finished workflow never changes
// again.
func (p WorkflowPhase) IsFinished() bool {
	return p == WorkflowCompleted || p == WorkflowFailed || p == WorkflowCancelled
}

// IsFinished reports whether the step phase is terminal.
func (p StepPhase) IsFinished() bool {
	return p == StepCompleted || p == StepFailed || p == StepSkipped || p == StepCancelled
}

// GetConditions returns the status conditions, for condition helpers that work on any object.
func (in *WorkflowExecution) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces the status conditions, for condition helpers that work on any object.
func (in *WorkflowExecution) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}

// StepStatus returns the status of the named step, or nil.
func (in *WorkflowExecutionStatus) StepStatus(name string) *StepStatus {
	for i := range in.Steps {
		if in.Steps[i].Name == name {
			return &in.Steps[i]
		}
	}
	return nil
}

// UsesWorkspace reports whether any step mounts the shared workspace.
func (in *WorkflowExecutionSpec) UsesWorkspace() bool {
	for _, s := range in.Steps {
		if s.UsesWorkspace {
			return true
		}
	}
	return false
}
