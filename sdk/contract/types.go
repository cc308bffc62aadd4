// Package contract defines the ActionContract that every Kubernaut action image embeds at
// /action-contract.yaml, and the rules that parse, validate, compare and apply it.
//
// The package depends on nothing but the standard library and sigs.k8s.io/yaml (with the YAML
// parser it is built on, go.yaml.in/yaml/v2), so action authors can import it without pulling
// in Kubernetes client libraries. The format is documented for authors in docs/contract.md.
package contract

// APIVersion and Kind identify an action contract document.
const (
	APIVersion = "kubernaut.ai/v1alpha1"
	Kind       = "ActionContract"
)

// DefaultPath is where an action image carries its contract.
const DefaultPath = "/action-contract.yaml"

// ActionContract describes what an action takes, returns and needs to run.
type ActionContract struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   Metadata `json:"metadata"`
	Spec       Spec     `json:"spec"`
}

// Metadata names a contract. Version is a semantic version ("v1.2.3" or "1.2.3") and is coupled
// to the image version.
type Metadata struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Spec is the body of a contract.
type Spec struct {
	Description     string           `json:"description,omitempty"`
	Inputs          []Parameter      `json:"inputs,omitempty"`
	Outputs         []Parameter      `json:"outputs,omitempty"`
	Resources       Resources        `json:"resources,omitempty"`
	RBAC            RBAC             `json:"rbac,omitempty"`
	SecurityContext *SecurityContext `json:"securityContext,omitempty"`
	// Credentials are the Secrets the action reads as files; see Credential.
	Credentials []Credential `json:"credentials,omitempty"`
	// Scheduling is where the action's pod may run; see Scheduling.
	Scheduling *Scheduling `json:"scheduling,omitempty"`
}

// Scheduling is what the action asks of the scheduler. It offers no general tolerations or
// node selection: an action runs wherever the cluster puts ordinary pods, except as asked here.
type Scheduling struct {
	// TolerateCordonedNodes lets the pod run on a cordoned node (taint
	// node.kubernetes.io/unschedulable): an action that uncordons nodes must be able to run when
	// every node is cordoned.
	TolerateCordonedNodes bool `json:"tolerateCordonedNodes,omitempty"`
}

// TolerateCordonedNodes reports whether the contract asks to run on cordoned nodes.
func (c *ActionContract) TolerateCordonedNodes() bool {
	return c.Spec.Scheduling != nil && c.Spec.Scheduling.TolerateCordonedNodes
}

// Type is the JSON type of an input or output value.
type Type string

// The value types a parameter may have.
const (
	TypeString  Type = "string"
	TypeInteger Type = "integer"
	TypeNumber  Type = "number"
	TypeBoolean Type = "boolean"
	TypeObject  Type = "object"
	TypeArray   Type = "array"
)

// Parameter is one input or one output. Constraints (Required, Default, Enum, Pattern, Minimum,
// Maximum) apply to inputs; outputs use Name, Type and Description only.
type Parameter struct {
	// Name is an identifier ([A-Za-z_][A-Za-z0-9_]*, at most 63 characters), unique among the
	// inputs or among the outputs.
	Name string `json:"name"`
	Type Type   `json:"type"`
	// Description is for people: `contract show` prints it, nothing interprets it.
	Description string `json:"description,omitempty"`
	// Required inputs must be given unless they have a Default.
	Required bool `json:"required,omitempty"`
	// Default is used when the input is absent; it must satisfy the input's own constraints.
	// Numbers are json.Number after Parse, so large integers stay exact.
	Default any `json:"default,omitempty"`
	// Enum lists the accepted values (string, integer, number and boolean inputs only).
	Enum []any `json:"enum,omitempty"`
	// Pattern is a Go (RE2) regular expression a string input must match. Like JSON Schema's,
	// it is not anchored: write ^...$ to match the whole value.
	Pattern string `json:"pattern,omitempty"`
	// Minimum and Maximum are inclusive bounds for integer and number inputs.
	Minimum *float64 `json:"minimum,omitempty"`
	Maximum *float64 `json:"maximum,omitempty"`
}

// Resources are the container's compute requests and limits (keys cpu, memory,
// ephemeral-storage), as Kubernetes quantity strings. As in Kubernetes manifests, Parse also
// accepts unquoted numbers ("cpu: 1") and keeps them as strings.
type Resources struct {
	Requests map[string]string `json:"requests,omitempty" contract:"quantities"`
	Limits   map[string]string `json:"limits,omitempty" contract:"quantities"`
}

// RBAC lists the Kubernetes permissions the action needs; the controller grants exactly these.
type RBAC struct {
	Permissions []Permission `json:"permissions"`
}

// Scope says whether a permission is granted in the workflow's namespace or cluster-wide.
type Scope string

// The scopes a permission may have.
const (
	ScopeNamespaced Scope = "Namespaced"
	ScopeCluster    Scope = "Cluster"
)

// Permission is one RBAC rule plus the scope it is granted in (default Namespaced).
type Permission struct {
	APIGroups     []string `json:"apiGroups"`
	Resources     []string `json:"resources"`
	Verbs         []string `json:"verbs"`
	ResourceNames []string `json:"resourceNames,omitempty"`
	Scope         Scope    `json:"scope,omitempty"`
}

// SecurityContext is what the action asks of its container. It may only tighten the restricted
// Pod Security baseline; fields that would loosen it exist so that a request for them can be
// refused with a clear reason rather than an "unknown field" error.
type SecurityContext struct {
	RunAsNonRoot             *bool         `json:"runAsNonRoot,omitempty"`
	RunAsUser                *int64        `json:"runAsUser,omitempty"`
	RunAsGroup               *int64        `json:"runAsGroup,omitempty"`
	AllowPrivilegeEscalation *bool         `json:"allowPrivilegeEscalation,omitempty"`
	ReadOnlyRootFilesystem   *bool         `json:"readOnlyRootFilesystem,omitempty"`
	Privileged               *bool         `json:"privileged,omitempty"`
	Capabilities             *Capabilities `json:"capabilities,omitempty"`
	SeccompProfile           *Seccomp      `json:"seccompProfile,omitempty"`
	HostNetwork              bool          `json:"hostNetwork,omitempty"`
	HostPID                  bool          `json:"hostPID,omitempty"`
	HostIPC                  bool          `json:"hostIPC,omitempty"`
}

// Capabilities are Linux capabilities to add or drop.
type Capabilities struct {
	Add  []string `json:"add,omitempty"`
	Drop []string `json:"drop,omitempty"`
}

// Seccomp selects a seccomp profile type (RuntimeDefault or Localhost).
type Seccomp struct {
	Type string `json:"type"`
}
