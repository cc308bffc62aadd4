package workflow

import (
	"fmt"
	"regexp"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/workflow/dag"
)

// ValidationError lists every problem of a workflow spec, each at its field path.
type ValidationError struct {
	// Reason is the Validated condition's reason: workflowv1alpha1.InvalidDependencyGraphReason
	// when the step graph is invalid (it takes precedence: without a graph nothing can run),
	// else workflowv1alpha1.InvalidOutputReferenceReason when an output reference is wrong,
	// else workflowv1alpha1.InvalidSpecReason.
	Reason string
	// Errors are all problems found, graph problems first, then references, then the rest.
	Errors field.ErrorList
}

// Error prints one problem per line.
func (e *ValidationError) Error() string { return joinErrors(e.Errors) }

// Limits the CustomResourceDefinition enforces, repeated for offline validation.
const (
	minTimeout         = time.Second
	maxStepTimeout     = 24 * time.Hour
	maxWorkflowTimeout = 168 * time.Hour
	maxRetries         = 10
	maxParallelSteps   = 100
	minActionType      = 3
	maxActionType      = 127
	maxStorageClass    = 253
)

var (
	// actionTypePattern and digestPattern are the CRD's patterns for actionType and image.
	actionTypePattern = regexp.MustCompile(`^[a-z0-9-]+/[a-z0-9_-]+$`)
	digestPattern     = regexp.MustCompile(`^[^@\s]+@sha256:[a-f0-9]{64}$`)
)

// Validate checks a workflow spec before anything runs and returns its step graph. Every problem
// is reported at once in a *ValidationError: graph problems (empty or duplicate names, runAfter
// naming an unknown step or itself or a step twice, cycles with their path), output references
// (malformed, naming an unknown step, or a step that is not upstream), and the limits of the
// CustomResourceDefinition.
func Validate(spec *workflowv1alpha1.WorkflowExecutionSpec) (*dag.Graph, error) {
	root := field.NewPath("spec")
	g, graphErrs := buildGraph(spec.Steps, root.Child("steps"))
	refErrs, inputErrs := checkReferences(spec.Steps, g, root.Child("steps"))
	specErrs := append(checkSpec(spec, root), inputErrs...)
	var reason string
	switch {
	case len(graphErrs) > 0:
		reason = workflowv1alpha1.InvalidDependencyGraphReason
	case len(refErrs) > 0:
		reason = workflowv1alpha1.InvalidOutputReferenceReason
	case len(specErrs) > 0:
		reason = workflowv1alpha1.InvalidSpecReason
	default:
		return g, nil
	}
	errs := append(append(graphErrs, refErrs...), specErrs...)
	return nil, &ValidationError{Reason: reason, Errors: errs}
}

// checkSpec checks the workflow-level fields and each step's own fields.
func checkSpec(spec *workflowv1alpha1.WorkflowExecutionSpec, root *field.Path) field.ErrorList {
	var errs field.ErrorList
	steps := root.Child("steps")
	switch n := len(spec.Steps); {
	case n == 0:
		errs = append(errs, field.Required(steps, "a workflow needs at least one step"))
	case n > workflowv1alpha1.MaxSteps:
		errs = append(errs, field.TooMany(steps, n, workflowv1alpha1.MaxSteps))
	}
	if t := spec.WorkflowType; t != "" {
		errs = append(errs, dnsLabel(root.Child("workflowType"), t)...)
	}
	if spec.Timeout != nil {
		errs = append(errs, checkTimeout(root.Child("timeout"), spec.Timeout.Duration, maxWorkflowTimeout)...)
	}
	if p := spec.MaxParallelSteps; p != nil && (*p < 1 || *p > maxParallelSteps) {
		errs = append(errs, field.Invalid(root.Child("maxParallelSteps"), *p,
			fmt.Sprintf("must be between 1 and %d", maxParallelSteps)))
	}
	errs = append(errs, checkWorkspace(spec.Workspace, root.Child("workspace"))...)
	for i := range spec.Steps {
		errs = append(errs, checkStep(&spec.Steps[i], steps.Index(i))...)
	}
	return errs
}

// checkStep checks one step's fields; its name's uniqueness and runAfter are the graph's.
func checkStep(s *workflowv1alpha1.WorkflowStep, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.Name != "" {
		errs = append(errs, dnsLabel(path.Child("name"), s.Name)...)
	}
	at := path.Child("actionType")
	switch n := len(s.ActionType); {
	case n == 0:
		errs = append(errs, field.Required(at, "the action to run, as registered: <group>/<name>, e.g. kubernetes/scale_deployment"))
	case n < minActionType || n > maxActionType:
		errs = append(errs, field.Invalid(at, s.ActionType, fmt.Sprintf("must be %d to %d characters long", minActionType, maxActionType)))
	case !actionTypePattern.MatchString(s.ActionType):
		errs = append(errs, field.Invalid(at, s.ActionType, "must be <group>/<name>: lower-case letters, digits and '-' "+
			"in the group, and also '_' in the name"))
	}
	errs = append(errs, checkImage(path.Child("image"), s.Image)...)
	if len(s.RunAfter) > workflowv1alpha1.MaxSteps {
		errs = append(errs, field.TooMany(path.Child("runAfter"), len(s.RunAfter), workflowv1alpha1.MaxSteps))
	}
	if s.Timeout != nil {
		errs = append(errs, checkTimeout(path.Child("timeout"), s.Timeout.Duration, maxStepTimeout)...)
	}
	if s.Retries < 0 || s.Retries > maxRetries {
		errs = append(errs, field.Invalid(path.Child("retries"), s.Retries, fmt.Sprintf("must be between 0 and %d", maxRetries)))
	}
	return errs
}

// checkImage requires a digest reference when an image is given: verification binds a digest,
// and a tag could move to another image between verification and the pod's pull.
func checkImage(path *field.Path, image string) field.ErrorList {
	if image == "" {
		return nil
	}
	if !digestPattern.MatchString(image) {
		return field.ErrorList{field.Invalid(path, image, "must be pinned by digest as <repository>@sha256:<64 lower-case hex digits>; "+
			"a tag alone is not accepted")}
	}
	if _, err := name.NewDigest(image); err != nil {
		return field.ErrorList{field.Invalid(path, image, "not a valid image reference: "+err.Error())}
	}
	return nil
}

func checkTimeout(path *field.Path, d, maximum time.Duration) field.ErrorList {
	if d < minTimeout || d > maximum {
		return field.ErrorList{field.Invalid(path, d.String(), fmt.Sprintf("must be at least %s and at most %s", minTimeout, maximum))}
	}
	return nil
}

func checkWorkspace(w *workflowv1alpha1.WorkspaceSpec, path *field.Path) field.ErrorList {
	if w == nil {
		return nil
	}
	var errs field.ErrorList
	if w.Size != nil && w.Size.Sign() <= 0 {
		errs = append(errs, field.Invalid(path.Child("size"), w.Size.String(), "must be greater than zero, such as 1Gi"))
	}
	if c := w.StorageClassName; c != nil && *c != "" {
		if len(*c) > maxStorageClass {
			errs = append(errs, field.TooLong(path.Child("storageClassName"), *c, maxStorageClass))
		} else {
			for _, msg := range validation.IsDNS1123Subdomain(*c) {
				errs = append(errs, field.Invalid(path.Child("storageClassName"), *c, msg))
			}
		}
	}
	return errs
}

func dnsLabel(path *field.Path, value string) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(value) {
		errs = append(errs, field.Invalid(path, value, msg))
	}
	return errs
}
