package v1alpha1

// The condition vocabulary of ActionExecution. Every condition has positive polarity: True is the
// good state. Each step of a reconcile sets its own condition; Ready summarises them in one place
// and carries the reason of the step that decided the outcome, so that `kubectl get ae` shows why
// a run failed. A failure reason on a step condition is terminal unless documented otherwise: the
// controller does not retry it, because the same image, contract and inputs fail the same way.
const (
	// ReadyCondition is True when the action succeeded (with engine tekton: when the run is
	// prepared, reason Prepared), False when the run failed or was refused, and Unknown while it
	// is pending or running. Its reason is one of the reasons below.
	ReadyCondition = "Ready"

	// VerifiedCondition is True when the image digest's signature satisfied the registry entry's
	// policy. False with UnknownActionType, ImageNotAllowed or VerificationFailed refuses the run;
	// False with VerificationDisabled (mode disabled) or VerificationFailed in mode warn lets it
	// go ahead, with a Warning event.
	VerifiedCondition = "Verified"

	// ContractLoadedCondition is True when the ActionContract was read from the verified digest and
	// validated. False with ContractInvalid refuses the run.
	ContractLoadedCondition = "ContractLoaded"

	// JobCreatedCondition is True once the Job exists. False refuses the run before the Job is
	// created, with InvalidInputs, SecurityContextRejected or PermissionsExceedCeiling. With
	// engine tekton no Job is ever created: the condition appears only with such a refusal.
	JobCreatedCondition = "JobCreated"
)

// Progress reasons: the run is not finished, or a step succeeded.
const (
	// PendingReason: the step has not been reached yet.
	PendingReason = "Pending"
	// VerifyingReason: the signature, contract and inputs are being checked; no Job exists yet.
	VerifyingReason = "Verifying"
	// RunningReason: the Job exists and has not finished.
	RunningReason = "Running"
	// SucceededReason: the step succeeded; on Ready, the whole run did.
	SucceededReason = "Succeeded"
	// PreparedReason: engine tekton; on Ready (True) in phase Prepared: every check passed, the
	// ServiceAccount and RBAC exist and status.prepared holds what the Tekton TaskRun needs. The
	// action's own outcome is the TaskRun's, which the workflow's status follows.
	PreparedReason = "Prepared"
	// VerificationDisabledReason: the registry entry disables verification (mode disabled); the
	// run goes ahead unverified. Always announced by a Warning event.
	VerificationDisabledReason = "VerificationDisabled"
)

// Refusal reasons: set before any Job exists, and no Job is ever created for the run.
const (
	// UnknownActionTypeReason: spec.actionType has no entry in the action registry.
	UnknownActionTypeReason = "UnknownActionType"
	// ImageNotAllowedReason: spec.image differs from the registry entry's image, or the image is
	// not pinned by digest where the policy requires it.
	ImageNotAllowedReason = "ImageNotAllowed"
	// VerificationFailedReason: no signature on the digest satisfies the policy (unsigned, wrong
	// key or identity, digest mismatch, transparency log entry missing where required).
	VerificationFailedReason = "VerificationFailed"
	// ContractInvalidReason: the image holds no contract, or the contract is malformed or invalid.
	ContractInvalidReason = "ContractInvalid"
	// InvalidInputsReason: spec.inputs do not satisfy the contract's inputs.
	InvalidInputsReason = "InvalidInputs"
	// SecurityContextRejectedReason: the contract asks for something the restricted Pod Security
	// baseline forbids (privileged, host namespaces, hostPath, added capabilities, ...).
	SecurityContextRejectedReason = "SecurityContextRejected"
	// PermissionsExceedCeilingReason: the contract asks for RBAC permissions beyond the
	// controller's action permission ceiling.
	PermissionsExceedCeilingReason = "PermissionsExceedCeiling"
)

// Run failure reasons: the Job existed and the run failed.
const (
	// JobFailedReason: the action's container exited non-zero (the Job failed).
	JobFailedReason = "JobFailed"
	// DeadlineExceededReason: the Job ran longer than spec.timeout.
	DeadlineExceededReason = "DeadlineExceeded"
	// OutputInvalidReason: the action succeeded but its outputs are missing, not a JSON object,
	// over the size cap, or do not satisfy the contract's outputs.
	OutputInvalidReason = "OutputInvalid"
)
