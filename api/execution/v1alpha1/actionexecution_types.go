package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// ActionExecutionKind is the kind of ActionExecution objects.
const ActionExecutionKind = "ActionExecution"

// ActionExecutionSpec says which action to run and with what. It is immutable: an ActionExecution
// runs once, so a change could only describe a run that never happened. Run again by creating a
// new ActionExecution.
//
// Immutability is enforced by CEL field by field (a transition rule on each field, plus a rule on
// ActionExecution.Spec that no optional field appears or disappears), not by one `self == oldSelf`
// on the spec, because timeout must be compared as a duration. A new field needs both rules;
// internal/apitest fails until it has them.
type ActionExecutionSpec struct {
	// ActionType names the action in the action registry (ConfigMap kubernaut-action-registry) as
	// "<group>/<name>", e.g. "kubernetes/scale_deployment". The registry maps it to the image, the
	// contract path and the verification policy.
	// +required
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=127
	// +kubebuilder:validation:Pattern=`^[a-z0-9-]+/[a-z0-9_-]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="actionType is immutable: an ActionExecution runs once; create a new ActionExecution to run again"
	ActionType string `json:"actionType"`

	// Image optionally pins the action image by digest, "<repository>@sha256:<64 hex digits>". It
	// must name the same image as the registry entry of ActionType, or the run is refused
	// (ImageNotAllowed); it exists so that a caller can assert which build it expects. A tag is
	// never accepted: nothing is resolved to a digest behind the caller's back.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:XValidation:rule=`self.matches('^[^@\\s]+@sha256:[a-f0-9]{64}$')`,message="image must be pinned by digest as <repository>@sha256:<64 lowercase hex digits>; a tag alone is not accepted"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="image is immutable: an ActionExecution runs once; create a new ActionExecution to run again"
	Image string `json:"image,omitempty"`

	// Inputs is the JSON object passed to the action in ACTION_INPUTS, after the controller has
	// validated it against the contract's inputs and applied the contract's defaults.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="inputs is immutable: an ActionExecution runs once; create a new ActionExecution to run again"
	Inputs *runtime.RawExtension `json:"inputs,omitempty"`

	// Workspace mounts an existing PersistentVolumeClaim of the same namespace at /workspace, for
	// actions that share files with other steps of a workflow.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="workspace is immutable: an ActionExecution runs once; create a new ActionExecution to run again"
	Workspace *WorkspaceVolume `json:"workspace,omitempty"`

	// Timeout bounds the run of the Job (its activeDeadlineSeconds), from 1s to 24h. A run that
	// exceeds it fails with reason DeadlineExceeded. Changes are detected by value, not spelling:
	// "5m" and "5m0s" are the same timeout (Go clients write the defaulted "5m" back as "5m0s").
	// +optional
	// +kubebuilder:default="5m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule=`self.matches('^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$')`,message="timeout must be a positive duration such as 90s, 5m or 1h30m (units ms, s, m, h)"
	// +kubebuilder:validation:XValidation:rule=`!self.matches('^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$') || (duration(self) >= duration('1s') && duration(self) <= duration('24h'))`,message="timeout must be at least 1s and at most 24h"
	// +kubebuilder:validation:XValidation:rule=`!self.matches('^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$') || duration(self) == duration(oldSelf)`,message="timeout is immutable: an ActionExecution runs once; create a new ActionExecution to run again"
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// ServiceAccountName runs the Job as this existing ServiceAccount of the same namespace instead
	// of one the controller creates with exactly the contract's permissions. The contract's
	// permissions are then not granted by the controller.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="serviceAccountName is immutable: an ActionExecution runs once; create a new ActionExecution to run again"
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// Credentials binds the contract's credentials to Secrets of the same namespace: credential
	// name → Secret name. Each Secret is mounted read-only at
	// /var/run/secrets/kubernaut/<credential name>/, one file per key; its data never appears in
	// inputs, environment variables, status or logs, and the controller never reads it. A name
	// the contract does not declare, or a required credential left out, refuses the run
	// (InvalidInputs) before anything is created; a Secret that does not exist makes the run
	// wait for it. At most 8.
	// +optional
	// +kubebuilder:validation:MaxProperties=8
	// +kubebuilder:validation:XValidation:rule=`self.all(k, k.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$') && k.size() <= 63)`,message="credential names must be DNS-1123 labels (lower-case letters, digits and '-', at most 63 characters), as the contract declares them"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="credentials is immutable: an ActionExecution runs once; create a new ActionExecution to run again"
	Credentials map[string]SecretName `json:"credentials,omitempty"`

	// Engine says what runs the action once it has passed every check. With "jobs" (the
	// default) the controller creates the Job and mirrors it. With "tekton" the controller runs
	// exactly the same checks and creates the same ServiceAccount and RBAC, but no Job: it records
	// in status.prepared what a Tekton TaskRun needs and ends in phase Prepared, and the workflow's
	// PipelineRun runs the action. A refused run creates nothing with either engine.
	// +optional
	// +kubebuilder:default=jobs
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="engine is immutable: an ActionExecution runs once; create a new ActionExecution to run again"
	Engine LaunchEngine `json:"engine,omitempty"`
}

// SecretName names a Secret in the namespace of the object that refers to it.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=253
// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
type SecretName string

// LaunchEngine names what runs a verified action. The empty value means jobs, so that objects
// built in Go without the CRD's defaulting behave like the ones the API server returns.
// +kubebuilder:validation:Enum=jobs;tekton
type LaunchEngine string

// The launch engines.
const (
	// EngineJobs: the controller runs the action as a Kubernetes Job (DESIGN D6).
	EngineJobs LaunchEngine = "jobs"
	// EngineTekton: the controller verifies and prepares the run, and a Tekton TaskRun of the
	// workflow's PipelineRun runs it (DESIGN D7).
	EngineTekton LaunchEngine = "tekton"
)

// WorkspaceVolume names the PersistentVolumeClaim mounted at /workspace.
type WorkspaceVolume struct {
	// ClaimName is the name of a PersistentVolumeClaim in the ActionExecution's namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	ClaimName string `json:"claimName"`
}

// ActionExecutionPhase is the coarse lifecycle state of an ActionExecution. It only moves
// forward: Pending → Verifying → Running → Succeeded or Failed with engine jobs, Pending →
// Verifying → Prepared with engine tekton; Failed can follow any phase but Prepared.
// +kubebuilder:validation:Enum=Pending;Verifying;Running;Succeeded;Failed;Prepared
type ActionExecutionPhase string

// The phases of an ActionExecution.
const (
	// PhasePending: accepted, not yet looked at by the controller.
	PhasePending ActionExecutionPhase = "Pending"
	// PhaseVerifying: the image signature, the contract and the inputs are being checked; no Job
	// exists yet.
	PhaseVerifying ActionExecutionPhase = "Verifying"
	// PhaseRunning: the Job exists and has not finished.
	PhaseRunning ActionExecutionPhase = "Running"
	// PhaseSucceeded: the action's pod succeeded and its outputs are valid. Terminal.
	PhaseSucceeded ActionExecutionPhase = "Succeeded"
	// PhaseFailed: refused before launch, or the Job failed, timed out or wrote invalid outputs.
	// The Ready condition's reason says which. Terminal.
	PhaseFailed ActionExecutionPhase = "Failed"
	// PhasePrepared: engine tekton only. Verified and prepared: the checks passed, the
	// ServiceAccount and RBAC exist and status.prepared says how to run the action; a Tekton
	// PipelineRun runs it, and the workflow's status follows the TaskRun. Terminal for the
	// ActionExecution, which never changes again; its RBAC stays until it is deleted.
	PhasePrepared ActionExecutionPhase = "Prepared"
)

// ActionExecutionStatus is what the controller observed and did.
type ActionExecutionStatus struct {
	// ObservedGeneration is the metadata.generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Phase is the coarse lifecycle state; the conditions carry the detail.
	// +optional
	Phase ActionExecutionPhase `json:"phase,omitempty"`

	// VerifiedDigest is the manifest digest whose signature was verified, "sha256:<hex>". The Job
	// runs this digest and the contract was read from it.
	// +optional
	// +kubebuilder:validation:Pattern=`^sha256:[a-f0-9]{64}$`
	VerifiedDigest string `json:"verifiedDigest,omitempty"`

	// Signer records who signed VerifiedDigest and where the signature was found.
	// +optional
	Signer *Signer `json:"signer,omitempty"`

	// Contract names the ActionContract read from the verified image.
	// +optional
	Contract *ContractReference `json:"contract,omitempty"`

	// JobRef names the Job that runs the action, in the same namespace.
	// +optional
	JobRef *JobReference `json:"jobRef,omitempty"`

	// Prepared is what a Tekton TaskRun needs to run the action as the Job would have: set with
	// engine tekton, in phase Prepared only.
	// +optional
	Prepared *PreparedLaunch `json:"prepared,omitempty"`

	// Outputs is the JSON object the action wrote as the last line of its stdout, validated
	// against the contract's outputs. Set only in phase Succeeded.
	// +optional
	Outputs *runtime.RawExtension `json:"outputs,omitempty"`

	// StartTime is when the Job was created.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`

	// CompletionTime is when the run reached Succeeded or Failed.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`

	// Conditions are the latest observations; see condition_types.go for types and reasons.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchStrategy=merge
	// +patchMergeKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
}

// SignatureFormat says how a verified signature was stored in the registry.
// +kubebuilder:validation:Enum=bundle;legacy
type SignatureFormat string

// The signature formats the controller verifies, in the order it looks for them.
const (
	// SignatureFormatBundle is a Sigstore bundle attached as an OCI referrer (cosign v3 default).
	SignatureFormatBundle SignatureFormat = "bundle"
	// SignatureFormatLegacy is a simple-signing payload under the sha256-<hex>.sig tag (cosign v2).
	SignatureFormatLegacy SignatureFormat = "legacy"
)

// Signer identifies the signature that verified an image: a key (KeyID) or a keyless
// certificate identity (Identity), exactly one of them.
// +kubebuilder:validation:XValidation:rule="has(self.keyID) != has(self.identity)",message="signer must have exactly one of keyID and identity"
type Signer struct {
	// Format says where the signature was found.
	// +required
	Format SignatureFormat `json:"format"`

	// KeyID identifies the trusted public key that verified a key signature: the base64 SHA-256 of
	// its PKIX encoding, as in a Sigstore bundle's public-key hint.
	// +optional
	KeyID string `json:"keyID,omitempty"`

	// Identity is the certificate identity of a keyless (Fulcio) signature.
	// +optional
	Identity *SignerIdentity `json:"identity,omitempty"`

	// LogIndex is the transparency-log index of the verified entry; absent when none was verified
	// (transparency log optional and absent, or disabled).
	// +optional
	LogIndex *int64 `json:"logIndex,omitempty"`
}

// SignerIdentity is the identity recorded in a verified Fulcio certificate.
type SignerIdentity struct {
	// Issuer is the OIDC issuer that authenticated the signer.
	// +required
	Issuer string `json:"issuer"`
	// Subject is the certificate's subject alternative name (e-mail, URI or workflow ref).
	// +required
	Subject string `json:"subject"`
}

// ContractReference names an ActionContract by its metadata.
type ContractReference struct {
	// Name is the contract's metadata.name.
	// +required
	Name string `json:"name"`
	// Version is the contract's metadata.version, a semantic version.
	// +required
	Version string `json:"version"`
}

// JobReference names a Job in the ActionExecution's namespace.
type JobReference struct {
	// Name is the Job's name; deterministic for an ActionExecution, so a restarted controller
	// finds the Job it created instead of creating a second one.
	// +required
	Name string `json:"name"`
}

// PreparedLaunch is the outcome of the checks of a run with engine tekton: everything the Job
// would have been built from, so that the TaskRun's step runs the same image with the same
// identity, credentials, limits, security context and inputs. The workflow controller copies it
// into the PipelineRun; nothing in it is looked up again.
type PreparedLaunch struct {
	// Image is the image to run, "<repository>@sha256:<64 hex digits>": the registry entry's
	// repository with the digest that was verified (in verification modes warn and disabled, the
	// digest that runs unverified), exactly the reference the Job would run.
	// +required
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:XValidation:rule=`self.matches('^[^@\\s]+@sha256:[a-f0-9]{64}$')`,message="image must be a digest reference <repository>@sha256:<64 lowercase hex digits>"
	Image string `json:"image"`

	// ServiceAccountName is the ServiceAccount the step runs as: the one the controller created
	// with exactly the contract's permissions, or the pre-created one of spec.serviceAccountName
	// or the registry entry. Empty when the contract grants nothing: the step then runs without
	// an API token (automountServiceAccountToken false), as the Job would.
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// ImagePullSecrets are the pull secrets the image was verified and its contract read with,
	// to be listed in the step's pod, so that the kubelet pulls with exactly those credentials.
	// +optional
	// +listType=atomic
	ImagePullSecrets []corev1.LocalObjectReference `json:"imagePullSecrets,omitempty"`

	// Resources are the container's requests and limits from the contract, with the defaults
	// the Job would apply: CPU and memory always have a limit.
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`

	// SecurityContext is the container's security context as the Job would set it: the
	// restricted baseline (non-root, no privilege escalation, all capabilities dropped,
	// read-only root filesystem) with the contract's user and group.
	// +optional
	SecurityContext *corev1.SecurityContext `json:"securityContext,omitempty"`

	// Tolerations are the pod's tolerations as the Job would set them: the cordon's taint when
	// the contract asks to run on cordoned nodes (spec.scheduling.tolerateCordonedNodes).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=4
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`

	// ContractPath is where the action's SDK finds its contract (ACTION_CONTRACT_PATH) when the
	// registry entry puts it elsewhere than /action-contract.yaml; empty for the default.
	// +optional
	ContractPath string `json:"contractPath,omitempty"`

	// Credentials are spec.credentials as checked against the contract: credential name →
	// Secret name, each to be mounted read-only at /var/run/secrets/kubernaut/<name>/ as the
	// Job mounts it.
	// +optional
	// +kubebuilder:validation:MaxProperties=8
	Credentials map[string]SecretName `json:"credentials,omitempty"`

	// Inputs is the JSON object to pass in ACTION_INPUTS: spec.inputs validated against the
	// contract, with the contract's defaults applied to absent inputs. An input whose value holds
	// a reference $(steps.<step>.outputs.<key>) is kept verbatim: Tekton substitutes the value,
	// and the action's SDK validates it at run time.
	// +optional
	Inputs *runtime.RawExtension `json:"inputs,omitempty"`
}

// ActionExecution runs one action, a signed container image with an embedded ActionContract, as a
// Kubernetes Job: the controller verifies the image signature and loads the contract from the
// verified digest before anything is created, then runs the Job with exactly the contract's
// permissions and records the action's outputs.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,shortName=ae,categories=kubernaut
// +kubebuilder:printcolumn:name="Action",type=string,JSONPath=`.spec.actionType`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Digest",type=string,JSONPath=`.status.verifiedDigest`,priority=1
// +kubebuilder:printcolumn:name="Job",type=string,JSONPath=`.status.jobRef.name`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ActionExecution struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec says which action to run and with what; immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="has(self.image) == has(oldSelf.image) && has(self.inputs) == has(oldSelf.inputs) && has(self.workspace) == has(oldSelf.workspace) && has(self.serviceAccountName) == has(oldSelf.serviceAccountName) && has(self.credentials) == has(oldSelf.credentials)",message="spec is immutable: fields cannot be added or removed after creation; create a new ActionExecution to run again"
	Spec ActionExecutionSpec `json:"spec"`

	// Status is written by the controller.
	// +optional
	Status ActionExecutionStatus `json:"status,omitempty"`
}

// ActionExecutionList is a list of ActionExecutions.
//
// +kubebuilder:object:root=true
type ActionExecutionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the ActionExecutions.
	Items []ActionExecution `json:"items"`
}
