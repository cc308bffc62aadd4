package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionregistry"
	"github.com/kubernaut/kubernaut/sdk/contract"
	"github.com/kubernaut/kubernaut/sdk/refs"
)

// contractCheck is the outcome of checking every step's inputs against its contract.
type contractCheck struct {
	problems  []string
	contracts []string // "name version" of each contract read, in step order
	atRunTime []string // inputs holding output references, which only the run can check
}

// checkContracts reads the contract of each step's registered image (once per image) and checks
// the step's static inputs against it. An input whose value holds an output reference is left
// out, since its value exists only at run time, but its name must still be a declared input and
// the referenced output a declared output of the upstream step's contract.
func checkContracts(ctx context.Context, steps []workflowv1alpha1.WorkflowStep, reg *actionregistry.Registry) contractCheck {
	var res contractCheck
	byStep := map[string]*contract.ActionContract{}
	byImage := map[string]*contract.ActionContract{}
	path := field.NewPath("spec", "steps")
	for i, s := range steps {
		entry, _ := reg.Lookup(s.ActionType) // checkRegistry passed: every type has an entry
		c, seen := byImage[entry.Image]
		if !seen {
			loaded, err := loadImageContract(ctx, entry.Image, entry.ContractPath)
			if err != nil {
				res.problems = append(res.problems, fmt.Sprintf("%s: reading the contract of %s: %v",
					path.Index(i).Child("actionType"), s.ActionType, err))
				byImage[entry.Image] = nil
				continue
			}
			c = loaded.Contract
			byImage[entry.Image] = c
			res.contracts = append(res.contracts, s.ActionType+" "+c.Metadata.Name+" "+c.Metadata.Version)
		}
		if c != nil {
			byStep[s.Name] = c
		}
	}
	for i, s := range steps {
		if c := byStep[s.Name]; c != nil {
			checkStepInputs(&res, path.Index(i), s, c, byStep)
		}
	}
	return res
}

// checkStepInputs checks one step's inputs against its contract c; contracts holds the
// contracts of the other steps, for the outputs its references name.
func checkStepInputs(res *contractCheck, step *field.Path, s workflowv1alpha1.WorkflowStep, c *contract.ActionContract,
	contracts map[string]*contract.ActionContract) {
	var raw []byte
	if s.Inputs != nil {
		raw = s.Inputs.Raw
	}
	inputs, err := decodeInputs(raw)
	if err != nil {
		res.problems = append(res.problems, fmt.Sprintf("%s: %v", step.Child("inputs"), err))
		return
	}
	found, err := refs.Find(raw) // cannot fail after workflow.Validate
	if err != nil {
		res.problems = append(res.problems, fmt.Sprintf("%s: %v", step.Child("inputs"), err))
		return
	}
	referenced := map[string]bool{}
	for _, r := range found {
		key := topLevelKey(r.Pointer)
		referenced[key] = true
		res.atRunTime = append(res.atRunTime, fmt.Sprintf("%s (%s)", inputsField(step, r.Pointer), referenceString(r)))
		if problem := referenceContractProblem(r, key, inputs[key], c, contracts[r.Step]); problem != "" {
			res.problems = append(res.problems, fmt.Sprintf("%s: %s", inputsField(step, r.Pointer), problem))
		}
	}
	static := make(map[string]any, len(inputs))
	for k, v := range inputs {
		if !referenced[k] {
			static[k] = v
		}
	}
	if _, err := c.ApplyInputs(static); err != nil {
		var ie *contract.InputError
		if !errors.As(err, &ie) {
			res.problems = append(res.problems, fmt.Sprintf("%s: %v", step.Child("inputs"), err))
			return
		}
		for _, fe := range ie.Errors {
			if referenced[topLevelKey(fe.Path)] {
				continue // "required input is missing": the reference provides it at run time
			}
			res.problems = append(res.problems, fmt.Sprintf("%s: %s (contract %s %s)", inputsField(step, fe.Path), fe.Reason,
				c.Metadata.Name, c.Metadata.Version))
		}
	}
}

// referenceContractProblem checks reference r, found in input key (whose value is value) of a
// step with contract c, against the contract of the referenced step: the input must be declared,
// the output too, and an input that is exactly one reference takes the output's JSON type, so
// the types must agree.
func referenceContractProblem(r refs.Ref, key string, value any, c, upstream *contract.ActionContract) string {
	in := findParameter(c.Spec.Inputs, key)
	if in == nil {
		return fmt.Sprintf("unknown input %q; contract %s %s declares: %s", key, c.Metadata.Name, c.Metadata.Version, parameterNames(c.Spec.Inputs))
	}
	if upstream == nil {
		return "" // its contract could not be read; that problem is reported on its own
	}
	out := findParameter(upstream.Spec.Outputs, r.Key)
	if out == nil {
		return fmt.Sprintf("step %q (contract %s %s) declares no output %q; it declares: %s", r.Step,
			upstream.Metadata.Name, upstream.Metadata.Version, r.Key, parameterNames(upstream.Spec.Outputs))
	}
	whole := r.Pointer == "/"+escapeToken(key) && value == referenceString(r)
	if whole && out.Type != in.Type && !(in.Type == contract.TypeNumber && out.Type == contract.TypeInteger) {
		return fmt.Sprintf("input %q is of type %s, but output %q of step %q is of type %s, and a whole-string reference keeps the output's type",
			key, in.Type, r.Key, r.Step, out.Type)
	}
	if !whole && in.Type != contract.TypeString && r.Pointer == "/"+escapeToken(key) {
		return fmt.Sprintf("input %q is of type %s, but text around a reference makes a string", key, in.Type)
	}
	return ""
}

// decodeInputs decodes a step's inputs as the controller does, numbers kept exact.
func decodeInputs(raw []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var inputs map[string]any
	if err := dec.Decode(&inputs); err != nil {
		return nil, fmt.Errorf("inputs must be a JSON object: %w", err)
	}
	return inputs, nil
}

func findParameter(params []contract.Parameter, name string) *contract.Parameter {
	for i := range params {
		if params[i].Name == name {
			return &params[i]
		}
	}
	return nil
}

func parameterNames(params []contract.Parameter) string {
	if len(params) == 0 {
		return "none"
	}
	names := make([]string, len(params))
	for i, p := range params {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// topLevelKey is the input name a JSON pointer starts with ("/labels/app" → "labels").
func topLevelKey(pointer string) string {
	token, _, _ := strings.Cut(strings.TrimPrefix(pointer, "/"), "/")
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(token)
}

func escapeToken(key string) string { return strings.NewReplacer("~", "~0", "/", "~1").Replace(key) }

// inputsField names a place in a step's inputs as workflow.Validate does:
// "spec.steps[3].inputs/replicas".
func inputsField(step *field.Path, pointer string) string {
	return step.Child("inputs").String() + pointer
}

func referenceString(r refs.Ref) string { return fmt.Sprintf("$(steps.%s.outputs.%s)", r.Step, r.Key) }
