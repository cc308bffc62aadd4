package tekton

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/sdk/refs"
)

// ErrInvalidWorkflow is wrapped by PipelineRun's error for a Workflow it cannot translate. The
// controller validates workflows before it gets here, so this is a programming error, never a
// user's: the message names each field so that it is found quickly.
var ErrInvalidWorkflow = errors.New("invalid workflow for the Tekton engine")

// digestRef is the form of a verified image, as the WorkflowExecution CRD pins it.
var digestRef = regexp.MustCompile(`^[^@\s]+@sha256:[a-f0-9]{64}$`)

// check validates w and returns the upstream param of each step, in step order.
func check(w Workflow) ([]string, error) {
	var errs []error
	fail := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	checkIdentity(w, fail)
	if n := len(w.Steps); n == 0 || n > workflowv1alpha1.MaxSteps {
		fail("steps", "%d steps, want 1 to %d", n, workflowv1alpha1.MaxSteps)
	}
	names := map[string]bool{}
	for i, s := range w.Steps {
		if names[s.Name] {
			fail(fmt.Sprintf("steps[%d].name", i), "duplicate step name %q", s.Name)
		}
		names[s.Name] = true
	}
	upstream := make([]string, len(w.Steps))
	for i := range w.Steps {
		upstream[i] = checkStep(i, &w.Steps[i], names, fail)
	}
	if usesWorkspace(w.Steps) {
		switch {
		case w.Workspace == nil:
			fail("workspace", "required because a step sets usesWorkspace")
		case w.Workspace.Size.Sign() <= 0:
			fail("workspace.size", "%s, want a positive size such as 1Gi", w.Workspace.Size.String())
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrInvalidWorkflow, errors.Join(errs...))
	}
	return upstream, nil
}

// checkIdentity checks the PipelineRun's name, namespace, owner and timeout.
func checkIdentity(w Workflow, fail func(field, format string, args ...any)) {
	for _, msg := range validation.IsDNS1123Subdomain(w.Name) {
		fail("name", "%q: %s", w.Name, msg)
	}
	if w.Namespace == "" {
		fail("namespace", "required")
	}
	if o := w.Owner; o.APIVersion == "" || o.Kind == "" || o.Name == "" || o.UID == "" {
		fail("owner", "apiVersion, kind, name and uid are required, got %+v", o)
	} else if w.UID != "" && o.UID != w.UID {
		fail("owner.uid", "%s is not the workflow's UID %s", o.UID, w.UID)
	}
	if w.Timeout <= 0 {
		fail("timeout", "%s, want a positive duration", w.Timeout)
	}
}

// checkStep checks one step and returns its upstream param.
func checkStep(i int, s *Step, names map[string]bool, fail func(field, format string, args ...any)) string {
	at := fmt.Sprintf("steps[%d]", i)
	for _, msg := range validation.IsDNS1123Label(s.Name) {
		fail(at+".name", "%q: %s", s.Name, msg)
	}
	if !digestRef.MatchString(s.Image) {
		fail(at+".image", "%q is not <repository>@sha256:<64 hex digits>, the verified digest", s.Image)
	}
	for _, dep := range s.RunAfter {
		if dep == s.Name || !names[dep] {
			fail(at+".runAfter", "%q names no other step", dep)
		}
	}
	if s.Retries < 0 {
		fail(at+".retries", "%d, want 0 or more", s.Retries)
	}
	if s.Timeout < 0 {
		fail(at+".timeout", "%s, want 0 (none) or a positive duration", s.Timeout)
	}
	if len(s.Resources.Limits) == 0 {
		fail(at+".resources.limits", "required: an action never runs without limits")
	}
	checkCredentials(at, s, fail)
	found, err := refs.Find(s.Inputs)
	if err != nil {
		fail(at+".inputs", "%v", strings.ReplaceAll(err.Error(), "\n", "; "))
		return emptyUpstream
	}
	var upstream []string
	for _, r := range found {
		if r.Step == s.Name || !names[r.Step] {
			fail(at+".inputs"+r.Pointer, "references $(steps.%s.outputs.%s) of no other step", r.Step, r.Key)
			continue
		}
		upstream = append(upstream, r.Step)
	}
	slices.Sort(upstream)
	return upstreamParam(slices.Compact(upstream))
}
