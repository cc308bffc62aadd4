package v1alpha1

import (
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// WorkflowExecutionKind is the kind of WorkflowExecution objects.
const WorkflowExecutionKind = "WorkflowExecution"

// EngineAnnotation overrides the engine the router would choose for one workflow: "jobs" or
// "tekton". It is read once, when the engine is decided.
const EngineAnnotation = "kubernaut.ai/engine"

// MaxSteps bounds the steps of one workflow. It keeps the object, and its status with one entry
// per step, far below the API server's request size limit.
const MaxSteps = 200

// WorkflowExecutionSpec is the workflow to run. It is immutable except for Cancel: a workflow runs
// once, so a change could only describe a run that never happened. Run again by creating a new
// WorkflowExecution.
type WorkflowExecutionSpec struct {
	// WorkflowType classifies the workflow, e.g. "gitops-pr-creation". The engine router may route
	// by it (kubernaut-config key tekton.workflowTypes); it has no other effect.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="workflowType is immutable: a workflow runs once; create a new WorkflowExecution to run again"
	WorkflowType string `json:"workflowType,omitempty"`

	// Steps are the actions to run. A step starts when every step named in its runAfter has
	// Completed. Names must be unique and the runAfter graph acyclic; the controller checks both
	// before anything runs and fails the workflow with reason InvalidDependencyGraph otherwise.
	// +required
	// +listType=atomic
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=200
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="steps are immutable: a workflow runs once; create a new WorkflowExecution to run again"
	Steps []WorkflowStep `json:"steps"`

	// Timeout bounds the whole workflow, from its start. When it expires, running steps are
	// stopped and the workflow fails with reason DeadlineExceeded. Default: kubernaut-config key
	// workflow.timeout (30m).
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule=`self.matches('^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$')`,message="timeout must be a positive duration such as 90s, 30m or 2h (units ms, s, m, h)"
	// +kubebuilder:validation:XValidation:rule=`!self.matches('^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$') || (duration(self) >= duration('1s') && duration(self) <= duration('168h'))`,message="timeout must be at least 1s and at most 168h"
	// +kubebuilder:validation:XValidation:rule=`!self.matches('^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$') || duration(self) == duration(oldSelf)`,message="timeout is immutable: a workflow runs once; create a new WorkflowExecution to run again"
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// MaxParallelSteps bounds how many steps run at once; ready steps beyond it wait, in
	// declaration order, as Pending. Default: kubernaut-config key maxParallelSteps (5).
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="maxParallelSteps is immutable: a workflow runs once; create a new WorkflowExecution to run again"
	MaxParallelSteps *int32 `json:"maxParallelSteps,omitempty"`

	// Workspace sizes the PersistentVolumeClaim shared by the steps that set usesWorkspace. It is
	// created before the first such step, mounted at /workspace, and deleted when the workflow
	// ends. Defaults: kubernaut-config keys workspace.size (1Gi) and workspace.storageClassName.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="workspace is immutable: a workflow runs once; create a new WorkflowExecution to run again"
	Workspace *WorkspaceSpec `json:"workspace,omitempty"`

	// Cancel stops the workflow: no new step starts, running steps are stopped, and steps that
	// never ran become Cancelled. It can be set, never unset.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!oldSelf || self",message="cancel cannot be unset: a cancelled workflow stays cancelled"
	Cancel bool `json:"cancel,omitempty"`
}

// WorkflowStep is one action of the workflow.
type WorkflowStep struct {
	// Name identifies the step in runAfter, in output references $(steps.<name>.outputs.<key>)
	// and in status. A DNS label, unique within the workflow.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// ActionType names the action in the action registry, "<group>/<name>", e.g.
	// "kubernetes/scale_deployment".
	// +required
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=127
	// +kubebuilder:validation:Pattern=`^[a-z0-9-]+/[a-z0-9_-]+$`
	ActionType string `json:"actionType"`

	// Image optionally pins the action image by digest, "<repository>@sha256:<64 hex digits>". It
	// must name the registry entry's image for ActionType, or the step is refused
	// (ImageNotAllowed).
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:XValidation:rule=`self.matches('^[^@\\s]+@sha256:[a-f0-9]{64}$')`,message="image must be pinned by digest as <repository>@sha256:<64 lowercase hex digits>; a tag alone is not accepted"
	Image string `json:"image,omitempty"`

	// Inputs is the JSON object passed to the action, validated against its contract. A string
	// value may reference an output of an upstream step as $(steps.<name>.outputs.<key>); a
	// string that is exactly one reference takes the output's JSON type.
	// +optional
	Inputs *runtime.RawExtension `json:"inputs,omitempty"`

	// RunAfter names the steps that must have Completed before this one starts.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=200
	// +kubebuilder:validation:items:MaxLength=63
	RunAfter []string `json:"runAfter,omitempty"`

	// Credentials binds the action contract's credentials to Secrets of the workflow's
	// namespace: credential name → Secret name. Each Secret is mounted read-only at
	// /var/run/secrets/kubernaut/<credential name>/ in the step's pod, one file per key, on
	// both engines; its data never appears in inputs, status or logs. A name the contract does
	// not declare, or a required credential left out, fails the step (InvalidInputs) before it
	// runs. At most 8.
	// +optional
	// +kubebuilder:validation:MaxProperties=8
	// +kubebuilder:validation:XValidation:rule=`self.all(k, k.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$') && k.size() <= 63)`,message="credential names must be DNS-1123 labels (lower-case letters, digits and '-', at most 63 characters), as the contract declares them"
	Credentials map[string]SecretName `json:"credentials,omitempty"`

	// UsesWorkspace mounts the workflow's shared PersistentVolumeClaim at /workspace.
	// +optional
	UsesWorkspace bool `json:"usesWorkspace,omitempty"`

	// Timeout bounds one attempt of the step. Default: kubernaut-config key step.timeout (5m).
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule=`self.matches('^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$')`,message="timeout must be a positive duration such as 90s, 5m or 1h30m (units ms, s, m, h)"
	// +kubebuilder:validation:XValidation:rule=`!self.matches('^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$') || (duration(self) >= duration('1s') && duration(self) <= duration('24h'))`,message="timeout must be at least 1s and at most 24h"
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// Retries is how many times a failed attempt is retried, with exponential backoff
	// (kubernaut-config keys retry.backoffBase and retry.backoffCap). Refusals (verification,
	// contract, inputs, permissions) are never retried: the same image fails the same way.
	// Pod disruptions do not count as attempts. Default 0.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10
	Retries int32 `json:"retries,omitempty"`
}

// SecretName names a Secret in the workflow's namespace.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=253
// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
type SecretName string

// WorkspaceSpec sizes the shared workspace.
type WorkspaceSpec struct {
	// Size is the requested storage, e.g. 1Gi.
	// +optional
	Size *resource.Quantity `json:"size,omitempty"`

	// StorageClassName selects the storage class; empty uses the cluster's default class.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	StorageClassName *string `json:"storageClassName,omitempty"`
}

// WorkflowExecution runs a remediation workflow: a DAG of steps, each a signed action container
// with an embedded contract, on the native Job engine or on Tekton (status.engine). Invalid
// workflows fail before anything is created.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,shortName=wfe,categories=kubernaut
// +kubebuilder:printcolumn:name="Type",type=string,JSONPath=`.spec.workflowType`,priority=1
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Engine",type=string,JSONPath=`.status.engine`
// +kubebuilder:printcolumn:name="Steps",type=string,JSONPath=`.status.progress`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type WorkflowExecution struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the workflow; immutable except for cancel.
	// +required
	// +kubebuilder:validation:XValidation:rule="!has(oldSelf.cancel) || !oldSelf.cancel || (has(self.cancel) && self.cancel)",message="spec.cancel cannot be unset: a cancelled workflow stays cancelled"
	// +kubebuilder:validation:XValidation:rule="has(self.timeout) == has(oldSelf.timeout) && has(self.maxParallelSteps) == has(oldSelf.maxParallelSteps) && has(self.workspace) == has(oldSelf.workspace) && has(self.workflowType) == has(oldSelf.workflowType)",message="spec is immutable except for cancel: fields cannot be added or removed after creation; create a new WorkflowExecution to run again"
	Spec WorkflowExecutionSpec `json:"spec"`

	// Status is written by the controller.
	// +optional
	Status WorkflowExecutionStatus `json:"status,omitempty"`
}

// WorkflowExecutionList is a list of WorkflowExecutions.
//
// +kubebuilder:object:root=true
type WorkflowExecutionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the WorkflowExecutions.
	Items []WorkflowExecution `json:"items"`
}
