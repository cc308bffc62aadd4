package v1alpha1

// The condition vocabulary of WorkflowExecution. Every condition has positive polarity: True is
// the good state. Ready summarises the others in one place and carries the reason that decided the
// outcome, so that `kubectl get wfe -o wide` shows why a workflow failed.
const (
	// ReadyCondition is True when every step Completed, False when the workflow failed or was
	// cancelled, and Unknown while it is pending or running.
	ReadyCondition = "Ready"

	// ValidatedCondition is True once the step graph and the output references passed
	// validation. False with InvalidDependencyGraph or InvalidOutputReference fails the workflow
	// before anything is created.
	ValidatedCondition = "Validated"

	// EngineSelectedCondition is True once status.engine is decided; its reason says why
	// (see the Engine* reasons).
	EngineSelectedCondition = "EngineSelected"

	// WorkspaceReadyCondition is True while the workflow's PersistentVolumeClaim exists, and
	// False with WorkspaceReleased once it was deleted at the end of the workflow. Absent when no
	// step uses the workspace.
	WorkspaceReadyCondition = "WorkspaceReady"
)

// Workflow reasons, on Ready and Validated.
const (
	// PendingReason: the workflow was not looked at yet.
	PendingReason = "Pending"
	// RunningReason: steps are running or waiting.
	RunningReason = "Running"
	// SucceededReason: every step Completed; on Validated, validation passed.
	SucceededReason = "Succeeded"
	// InvalidDependencyGraphReason: duplicate step names, runAfter naming an unknown step, or a
	// cycle (the message names the cycle's path). Nothing is created.
	InvalidDependencyGraphReason = "InvalidDependencyGraph"
	// InvalidOutputReferenceReason: an input references $(steps.<name>.outputs.<key>) of a step
	// that is not upstream of it, or is malformed. Nothing is created.
	InvalidOutputReferenceReason = "InvalidOutputReference"
	// InvalidSpecReason: a field is invalid in a way the API server cannot check when the object
	// is written (checked offline by `kubernaut validate`, and by the controller for objects
	// written before a rule existed). Nothing is created.
	InvalidSpecReason = "InvalidSpec"
	// StepFailedReason: a step failed; status.failedStep names it and the message gives its
	// reason.
	StepFailedReason = "StepFailed"
	// DeadlineExceededReason: the workflow (spec.timeout) or, on a step, its attempt ran out of
	// time.
	DeadlineExceededReason = "DeadlineExceeded"
	// CancelledReason: spec.cancel was set.
	CancelledReason = "Cancelled"
)

// Step reasons set by the workflow controller; the other step reasons are the child's Ready
// reasons (execution.kubernaut.ai's VerificationFailed, JobFailed, ...), the same on both engines.
const (
	// WaitingReason: the step waits for its runAfter steps or for a parallel slot.
	WaitingReason = "Waiting"
	// RetryBackoffReason: an attempt failed and the next one starts at retryTime.
	RetryBackoffReason = "RetryBackoff"
	// UpstreamNotCompletedReason: a step this one depends on failed, was skipped or was
	// cancelled, so this step never runs.
	UpstreamNotCompletedReason = "UpstreamNotCompleted"
	// InvalidInputsReason: the step's inputs could not be built, e.g. an output reference names
	// a key the upstream step did not produce.
	InvalidInputsReason = "InvalidInputs"
	// ChildDeletedReason: what ran the step (its ActionExecution on the Job engine) was deleted
	// by someone else while it ran. Its outcome is unknown, so the step fails and is not retried:
	// a remediation is never run again behind the back of whoever stopped it.
	ChildDeletedReason = "ChildDeleted"
)

// Engine selection reasons, on EngineSelected (DESIGN D8).
const (
	// EngineDefaultReason: no routing rule matched; the default engine (jobs) runs the workflow.
	EngineDefaultReason = "Default"
	// EngineAnnotationReason: the kubernaut.ai/engine annotation chose the engine.
	EngineAnnotationReason = "Annotation"
	// EngineWorkflowTypeReason: tekton.workflowTypes lists spec.workflowType.
	EngineWorkflowTypeReason = "WorkflowType"
	// EngineMinStepsReason: the workflow has more steps than tekton.minSteps.
	EngineMinStepsReason = "MinSteps"
	// EnginePercentReason: the workflow's UID fell in the tekton.percent rollout bucket.
	EnginePercentReason = "Percent"
	// EngineTektonUnavailableReason: Tekton was chosen but its CRDs are not installed; the Job
	// engine runs the workflow instead.
	EngineTektonUnavailableReason = "TektonUnavailable"
)

// Workspace reasons, on WorkspaceReady.
const (
	// WorkspaceCreatedReason: the workspace PersistentVolumeClaim exists.
	WorkspaceCreatedReason = "WorkspaceCreated"
	// WorkspaceReleasedReason: the workspace PersistentVolumeClaim was deleted because the
	// workflow ended.
	WorkspaceReleasedReason = "WorkspaceReleased"
)
