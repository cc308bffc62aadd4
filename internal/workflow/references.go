package workflow

import (
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/workflow/dag"
	"github.com/kubernaut/kubernaut/sdk/refs"
)

// checkReferences checks every $(steps.<name>.outputs.<key>) in the steps' inputs: it must be
// well-formed and name another step of the workflow that is upstream, i.e. that the referencing
// step transitively runs after, because only then is the output there when the step starts. With
// g nil (the graph is invalid) upstream cannot be judged, and only the names are checked.
// Inputs that are not a JSON object are not a reference problem; they come back apart, in
// inputErrs.
func checkReferences(steps []workflowv1alpha1.WorkflowStep, g *dag.Graph, path *field.Path) (refErrs, inputErrs field.ErrorList) {
	names := make(map[string]bool, len(steps))
	for _, s := range steps {
		names[s.Name] = true
	}
	var up *upstream // built on the first reference: most workflows have none
	for i := range steps {
		s := &steps[i]
		if s.Inputs == nil {
			continue
		}
		step := path.Index(i)
		found, err := refs.Find(s.Inputs.Raw)
		if errors.Is(err, refs.ErrInvalidInputs) {
			inputErrs = append(inputErrs, field.Invalid(inputsPath(step, ""), field.OmitValueType{}, err.Error()))
			continue
		}
		if err != nil {
			refErrs = append(refErrs, findErrors(err, step)...)
			continue
		}
		if g != nil && len(found) > 0 && up == nil {
			up = newUpstream(g)
		}
		for _, r := range found {
			if reason := referenceProblem(r, s.Name, names, up); reason != "" {
				refErrs = append(refErrs, field.Invalid(inputsPath(step, r.Pointer), referenceText(r), reason))
			}
		}
	}
	return refErrs, inputErrs
}

// referenceProblem says what is wrong with reference r in step, or "". With up nil (no valid
// graph) upstream is not judged.
func referenceProblem(r refs.Ref, step string, names map[string]bool, up *upstream) string {
	switch {
	case r.Step == step:
		return fmt.Sprintf("step %q cannot use its own outputs: they do not exist before it runs", step)
	case !names[r.Step]:
		return fmt.Sprintf("no step is named %q", r.Step)
	case up != nil && !up.of(step, r.Step):
		return fmt.Sprintf("step %q is not upstream of %q; add it to runAfter", r.Step, step)
	}
	return ""
}

// upstream answers "does step a transitively run after step b?" for every pair at once. The
// sets of ancestors are bit sets built in one pass in topological order (a step's set is the
// union of its dependencies' sets and the dependencies themselves), so a workflow of 200 steps
// that all reference outputs costs one pass instead of 200 graph walks.
type upstream struct {
	g     *dag.Graph
	words int
	sets  []uint64 // words per step, by declaration index
}

func newUpstream(g *dag.Graph) *upstream {
	u := &upstream{g: g, words: (g.Len() + 63) / 64}
	u.sets = make([]uint64, g.Len()*u.words)
	for _, name := range g.Order() {
		i, _ := g.Index(name)
		set := u.set(i)
		for _, dep := range g.RunAfter(name) {
			j, _ := g.Index(dep)
			set[j/64] |= 1 << (j % 64)
			for w, bits := range u.set(j) {
				set[w] |= bits
			}
		}
	}
	return u
}

func (u *upstream) set(i int) []uint64 { return u.sets[i*u.words : (i+1)*u.words] }

// of reports whether ancestor is upstream of step (both names of the graph).
func (u *upstream) of(step, ancestor string) bool {
	i, ok1 := u.g.Index(step)
	j, ok2 := u.g.Index(ancestor)
	return ok1 && ok2 && u.set(i)[j/64]&(1<<(j%64)) != 0
}

// findErrors turns refs.Find's errors into field errors at the string holding each malformed
// reference.
func findErrors(err error, step *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, e := range unjoin(err) {
		var malformed *refs.MalformedError
		if errors.As(e, &malformed) {
			errs = append(errs, field.Invalid(inputsPath(step, malformed.Pointer), malformed.Text,
				"malformed output reference: "+malformed.Reason))
		} else {
			errs = append(errs, field.Invalid(inputsPath(step, ""), field.OmitValueType{}, e.Error()))
		}
	}
	return errs
}

// inputsPath is the field path of a place inside a step's inputs: the JSON pointer appended to
// the inputs field, "spec.steps[3].inputs/replicas". Inputs are free JSON shaped by the action's
// contract, and a pointer is how the contract's own errors name places in them.
func inputsPath(step *field.Path, pointer string) *field.Path {
	return step.Child("inputs" + pointer)
}

func referenceText(r refs.Ref) string { return fmt.Sprintf("$(steps.%s.outputs.%s)", r.Step, r.Key) }
