package workflow

import (
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/workflow/dag"
)

// buildGraph validates the runAfter graph and turns each of dag's typed errors into a field
// error at the exact name or runAfter entry, so that the CLI, the condition message and the
// API's field errors all point at the same place.
func buildGraph(steps []workflowv1alpha1.WorkflowStep, path *field.Path) (*dag.Graph, field.ErrorList) {
	nodes := make([]dag.Node, len(steps))
	for i, s := range steps {
		nodes[i] = dag.Node{Name: s.Name, RunAfter: s.RunAfter}
	}
	g, err := dag.New(nodes)
	if err == nil {
		return g, nil
	}
	var errs field.ErrorList
	for _, e := range unjoin(err) {
		errs = append(errs, graphFieldError(e, path))
	}
	return nil, errs
}

func graphFieldError(err error, steps *field.Path) *field.Error {
	var (
		empty     *dag.EmptyNameError
		duplicate *dag.DuplicateNameError
		unknown   *dag.UnknownDependencyError
		self      *dag.SelfDependencyError
		twice     *dag.DuplicateDependencyError
		cycle     *dag.CycleError
	)
	runAfter := func(i, k int) *field.Path { return steps.Index(i).Child("runAfter").Index(k) }
	switch {
	case errors.As(err, &empty):
		return field.Required(steps.Index(empty.Index).Child("name"), "every step needs a name")
	case errors.As(err, &duplicate):
		e := field.Duplicate(steps.Index(duplicate.Index).Child("name"), duplicate.Name)
		e.Detail = fmt.Sprintf("already the name of steps[%d]; step names must be unique", duplicate.First)
		return e
	case errors.As(err, &unknown):
		e := field.NotFound(runAfter(unknown.Index, unknown.DepIndex), unknown.Dependency)
		e.Detail = fmt.Sprintf("step %q runs after %q, but no step has that name", unknown.Step, unknown.Dependency)
		return e
	case errors.As(err, &self):
		return field.Invalid(runAfter(self.Index, self.DepIndex), self.Step, "a step cannot run after itself")
	case errors.As(err, &twice):
		e := field.Duplicate(runAfter(twice.Index, twice.DepIndex), twice.Dependency)
		e.Detail = fmt.Sprintf("already listed at runAfter[%d]", twice.First)
		return e
	case errors.As(err, &cycle):
		closing := cycle.Path[max(len(cycle.Path)-2, 0)]
		return field.Invalid(runAfter(cycle.Index, cycle.DepIndex), closing,
			"dependency cycle: "+strings.Join(cycle.Path, " -> "))
	}
	// A problem dag learns to report later still reaches the user, with dag's own words.
	return field.Invalid(steps, field.OmitValueType{}, err.Error())
}

// unjoin returns the errors errors.Join put together, or err itself.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
