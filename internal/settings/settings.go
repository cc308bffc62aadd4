// Package settings parses the controller settings ConfigMap kubernaut-config: the limits of
// ADR-020 (parallel steps, workspace, timeouts, retry backoff), the retention of finished
// workflows and the Tekton routing flags of DESIGN D8. Keys are flat ("tekton.enabled") so an operator flips one with `kubectl patch` and
// rolls back in seconds. The package only parses and holds values; watching the ConfigMap and
// letting flags override it is the manager's job.
package settings

import (
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// ConfigMapName is the name of the settings ConfigMap in the controller's namespace.
const ConfigMapName = "kubernaut-config"

// The ConfigMap's data keys.
const (
	KeyMaxParallelSteps    = "maxParallelSteps"
	KeyWorkspaceSize       = "workspace.size"
	KeyWorkspaceClass      = "workspace.storageClassName"
	KeyWorkspaceAccessMode = "workspace.accessMode"
	KeyStepTimeout         = "step.timeout"
	KeyWorkflowTimeout     = "workflow.timeout"
	KeyRetryBackoffBase    = "retry.backoffBase"
	KeyRetryBackoffCap     = "retry.backoffCap"
	KeyTektonEnabled       = "tekton.enabled"
	KeyTektonWorkflowTypes = "tekton.workflowTypes"
	KeyTektonMinSteps      = "tekton.minSteps"
	KeyTektonPercent       = "tekton.percent"
	KeyWorkflowRetention   = "workflow.retention"
)

// Settings are the controller-wide defaults and limits. A workflow's own fields (for example
// spec.maxParallelSteps or a step's timeout) take precedence where the API has them.
type Settings struct {
	// MaxParallelSteps is how many steps of one workflow run at once (ADR-020), 1 to 100.
	MaxParallelSteps int
	// Workspace describes the PVC created for workflows whose steps use a workspace.
	Workspace WorkspaceSettings
	// StepTimeout is the default time one step attempt may run, 1s to 24h.
	StepTimeout time.Duration
	// WorkflowTimeout is the default time a whole workflow may run, 1s to 7 days.
	WorkflowTimeout time.Duration
	// WorkflowRetention is how long a finished workflow is kept, counted from its completion
	// time; then it is deleted with its ActionExecutions, Jobs and pods. 0 keeps it forever.
	WorkflowRetention time.Duration
	// Retry is the backoff between attempts of a step with retries.
	Retry RetrySettings
	// Tekton routes workflows to the Tekton engine (DESIGN D8).
	Tekton TektonSettings
}

// WorkspaceSettings describe the shared workspace PVC.
type WorkspaceSettings struct {
	// Size is the requested storage, greater than zero.
	Size resource.Quantity
	// StorageClassName is the PVC's class; empty means the cluster's default class.
	StorageClassName string
	// AccessMode is ReadWriteOnce, ReadWriteMany or ReadWriteOncePod.
	AccessMode corev1.PersistentVolumeAccessMode
}

// RetrySettings define the exponential backoff between step attempts.
type RetrySettings struct {
	// Base is the delay before the first retry, 100ms to 1h.
	Base time.Duration
	// Cap bounds every delay, 100ms to 24h and not less than Base.
	Cap time.Duration
}

// TektonSettings decide which new workflows run on Tekton. Any matching rule routes a workflow
// there when Enabled; the kubernaut.ai/engine annotation overrides all of them.
type TektonSettings struct {
	// Enabled turns Tekton routing on; false sends every workflow to Jobs.
	Enabled bool
	// WorkflowTypes route workflows with one of these spec.workflowType values.
	WorkflowTypes []string
	// MinSteps routes workflows with more than MinSteps steps; 0 turns the rule off.
	MinSteps int
	// Percent routes this share of workflows, by a stable hash of their UID, 0 to 100.
	Percent int
}

// Defaults returns the settings used for every key the ConfigMap does not set.
func Defaults() Settings {
	return Settings{
		MaxParallelSteps: 5,
		Workspace: WorkspaceSettings{
			Size:       resource.MustParse("1Gi"),
			AccessMode: corev1.ReadWriteOnce,
		},
		StepTimeout:       5 * time.Minute,
		WorkflowTimeout:   30 * time.Minute,
		WorkflowRetention: 24 * time.Hour,
		Retry:             RetrySettings{Base: 10 * time.Second, Cap: 5 * time.Minute},
	}
}

// DeepCopy returns a copy sharing no memory with s: resource.Quantity holds a pointer that
// arithmetic mutates in place, and WorkflowTypes is a slice.
func (s Settings) DeepCopy() Settings {
	out := s
	out.Workspace.Size = s.Workspace.Size.DeepCopy()
	out.Tekton.WorkflowTypes = slices.Clone(s.Tekton.WorkflowTypes)
	return out
}
