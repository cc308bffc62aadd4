package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
)

// WorkflowPhase is the coarse lifecycle state of a workflow. It only moves forward: Pending →
// Running → Completed, Failed or Cancelled.
// +kubebuilder:validation:Enum=Pending;Running;Completed;Failed;Cancelled
type WorkflowPhase string

// The phases of a WorkflowExecution.
const (
	// WorkflowPending: accepted, not yet validated or started.
	WorkflowPending WorkflowPhase = "Pending"
	// WorkflowRunning: validated; steps are running or waiting.
	WorkflowRunning WorkflowPhase = "Running"
	// WorkflowCompleted: every step Completed. Terminal.
	WorkflowCompleted WorkflowPhase = "Completed"
	// WorkflowFailed: invalid, a step failed, or the workflow timed out; the Ready condition's
	// reason and status.failedStep say which. Terminal.
	WorkflowFailed WorkflowPhase = "Failed"
	// WorkflowCancelled: spec.cancel was set before the workflow finished. Terminal.
	WorkflowCancelled WorkflowPhase = "Cancelled"
)

// StepPhase is the state of one step.
// +kubebuilder:validation:Enum=Pending;Running;Completed;Failed;Skipped;Cancelled
type StepPhase string

// The phases of a step.
const (
	// StepPending: waiting for its runAfter steps, for a parallel slot, or for a retry's backoff
	// (then retryTime is set).
	StepPending StepPhase = "Pending"
	// StepRunning: an attempt is running.
	StepRunning StepPhase = "Running"
	// StepCompleted: an attempt succeeded; its outputs are recorded. Terminal.
	StepCompleted StepPhase = "Completed"
	// StepFailed: the last attempt failed and no retry is left, or it was refused. Terminal.
	StepFailed StepPhase = "Failed"
	// StepSkipped: never ran because a step it depends on did not complete. Terminal.
	StepSkipped StepPhase = "Skipped"
	// StepCancelled: stopped or never started because the workflow was cancelled or timed out.
	// Terminal.
	StepCancelled StepPhase = "Cancelled"
)

// Engine names the engine that runs a workflow.
// +kubebuilder:validation:Enum=jobs;tekton
type Engine string

// The engines.
const (
	// EngineJobs runs each step as an ActionExecution (a Kubernetes Job), scheduled by Kubernaut.
	EngineJobs Engine = "jobs"
	// EngineTekton runs the workflow as one Tekton PipelineRun.
	EngineTekton Engine = "tekton"
)

// WorkflowExecutionStatus is what the controller observed and did.
type WorkflowExecutionStatus struct {
	// ObservedGeneration is the metadata.generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Phase is the coarse lifecycle state; the conditions carry the detail.
	// +optional
	Phase WorkflowPhase `json:"phase,omitempty"`

	// Engine runs the workflow. Decided once, when the workflow starts, and never changed; the
	// EngineSelected condition says why.
	// +optional
	Engine Engine `json:"engine,omitempty"`

	// Progress is "<completed steps>/<all steps>", for kubectl get.
	// +optional
	Progress string `json:"progress,omitempty"`

	// StartTime is when the workflow was validated and started.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`

	// CompletionTime is when the workflow reached a terminal phase.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`

	// FailedStep names the step whose failure failed the workflow.
	// +optional
	FailedStep string `json:"failedStep,omitempty"`

	// WorkspacePVC names the PersistentVolumeClaim shared by the steps (Job engine).
	// +optional
	WorkspacePVC string `json:"workspacePVC,omitempty"`

	// PipelineRunRef names the Tekton PipelineRun (Tekton engine).
	// +optional
	PipelineRunRef *ObjectReference `json:"pipelineRunRef,omitempty"`

	// Steps holds one entry per spec step, in spec order.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=200
	Steps []StepStatus `json:"steps,omitempty"`

	// Conditions are the latest observations; see condition_types.go for types and reasons.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchStrategy=merge
	// +patchMergeKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
}

// StepStatus is the state of one step. The same fields, with the same reasons, whatever the
// engine.
type StepStatus struct {
	// Name is the step's name in spec.steps.
	// +required
	Name string `json:"name"`

	// Phase is the step's state.
	// +required
	Phase StepPhase `json:"phase"`

	// Reason is a CamelCase reason for the phase: the child's Ready reason (e.g. Succeeded,
	// VerificationFailed, JobFailed, DeadlineExceeded) or the workflow's (UpstreamNotCompleted,
	// Cancelled, Waiting).
	// +optional
	Reason string `json:"reason,omitempty"`

	// Message explains the reason in a sentence.
	// +optional
	Message string `json:"message,omitempty"`

	// Attempts counts the attempts started, retries included.
	// +optional
	Attempts int32 `json:"attempts,omitempty"`

	// RetryTime is when the next attempt starts, while a failed attempt waits for its backoff.
	// +optional
	RetryTime *metav1.Time `json:"retryTime,omitempty"`

	// StartTime is when the first attempt started.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`

	// CompletionTime is when the step reached a terminal phase.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`

	// VerifiedDigest is the image digest whose signature was verified and which ran.
	// +optional
	VerifiedDigest string `json:"verifiedDigest,omitempty"`

	// Signer records who signed VerifiedDigest.
	// +optional
	Signer *executionv1alpha1.Signer `json:"signer,omitempty"`

	// Contract names the ActionContract read from the verified image.
	// +optional
	Contract *executionv1alpha1.ContractReference `json:"contract,omitempty"`

	// Outputs are the step's validated outputs, once Completed.
	// +optional
	Outputs *runtime.RawExtension `json:"outputs,omitempty"`

	// ChildRef names what runs the current or last attempt: an ActionExecution (Job engine) or a
	// TaskRun (Tekton engine), in the workflow's namespace.
	// +optional
	ChildRef *ObjectReference `json:"childRef,omitempty"`
}

// ObjectReference names an object in the workflow's namespace.
type ObjectReference struct {
	// Kind is the object's kind, e.g. ActionExecution, TaskRun or PipelineRun.
	// +required
	Kind string `json:"kind"`
	// Name is the object's name.
	// +required
	Name string `json:"name"`
}
