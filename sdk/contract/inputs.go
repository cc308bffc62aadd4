package contract

import (
	"bytes"
	"fmt"
	"strings"
)

// ApplyInputs checks a set of inputs against the contract and returns a copy with the defaults
// of absent inputs filled in; in itself is never modified.
//
// Every input must be declared (a misspelt key would otherwise be ignored silently while the
// default applies), required inputs must be present, and each value must have the declared
// type and meet its enum, pattern and minimum/maximum. Numbers may be json.Number, float64 or
// Go integers; "integer" means a whole number, so 1.0 passes and 1.5 does not. JSON null is a
// value of no declared type and is refused; leave an input out to get its default.
//
// Failures come back as one *InputError listing every problem, each at a JSON pointer such as
// "/replicas" (or "/labels/app" for a value inside an object that JSON cannot carry).
func (c *ActionContract) ApplyInputs(in map[string]any) (map[string]any, error) {
	var errs fieldErrors
	out := make(map[string]any, len(c.Spec.Inputs))
	for i := range c.Spec.Inputs {
		p := &c.Spec.Inputs[i]
		pointer := "/" + escapePointer(p.Name)
		v, given := in[p.Name]
		if !given {
			switch {
			case p.Default != nil:
				out[p.Name] = copyJSON(p.Default)
			case p.Required:
				errs.add(pointer, "required input is missing")
			}
			continue
		}
		before := len(errs)
		if jsonShapeErrors(v, pointer, &errs); len(errs) > before {
			continue
		}
		for _, reason := range newValueChecker(p).problems(v, true) {
			errs.add(pointer, reason)
		}
		out[p.Name] = copyJSON(v)
	}
	for _, key := range sortedKeys(in) {
		if c.input(key) == nil {
			errs.add("/"+escapePointer(key), "unknown input"+suggestNames(key, c.Spec.Inputs))
		}
	}
	if len(errs) > 0 {
		return nil, &InputError{Errors: errs}
	}
	return out, nil
}

// ApplyInputsJSON decodes one JSON object, keeping numbers exact (json.Number), and applies it
// as ApplyInputs does. Malformed JSON, trailing data and non-objects are an *InputError at the
// root pointer "".
func (c *ActionContract) ApplyInputsJSON(data []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &InputError{Errors: []FieldError{{Reason: "inputs are empty; pass a JSON object such as {}"}}}
	}
	var v any
	if err := decodeJSON(data, &v); err != nil {
		return nil, &InputError{Errors: []FieldError{{Reason: "inputs are not valid JSON: " + err.Error()}}}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &InputError{Errors: []FieldError{{Reason: "inputs must be a JSON object, got " + describe(v)}}}
	}
	return c.ApplyInputs(obj)
}

// ValidateOutputs checks the outputs an action produced: every key must be a declared output
// and every value must have the declared type. Failures are one *OutputError with JSON pointers.
//
// A declared output may be missing. Actions legitimately produce some outputs only on some
// paths (a scale action that found nothing to scale has no "previousReplicas"), and absence
// only matters when a later step references the output, which the workflow engine reports
// with the referencing step's name, a far more useful error than one raised here.
func (c *ActionContract) ValidateOutputs(out map[string]any) error {
	var errs fieldErrors
	for _, key := range sortedKeys(out) {
		pointer := "/" + escapePointer(key)
		p := c.output(key)
		if p == nil {
			errs.add(pointer, "undeclared output"+suggestNames(key, c.Spec.Outputs))
			continue
		}
		before := len(errs)
		if jsonShapeErrors(out[key], pointer, &errs); len(errs) > before {
			continue
		}
		if reason := typeProblem(p.Type, out[key]); reason != "" {
			errs.add(pointer, reason)
		}
	}
	if len(errs) > 0 {
		return &OutputError{Errors: errs}
	}
	return nil
}

// input returns the declared input called name, or nil.
func (c *ActionContract) input(name string) *Parameter { return findParameter(c.Spec.Inputs, name) }

// output returns the declared output called name, or nil.
func (c *ActionContract) output(name string) *Parameter { return findParameter(c.Spec.Outputs, name) }

func findParameter(params []Parameter, name string) *Parameter {
	for i := range params {
		if params[i].Name == name {
			return &params[i]
		}
	}
	return nil
}

// suggestNames helps with the usual cause of an unknown key, a typo or wrong case.
func suggestNames(key string, params []Parameter) string {
	if len(params) == 0 {
		return "; the contract declares none"
	}
	names := make([]string, len(params))
	for i, p := range params {
		if strings.EqualFold(p.Name, key) {
			return fmt.Sprintf("; names are case-sensitive, did you mean %q?", p.Name)
		}
		names[i] = p.Name
	}
	return "; the contract declares " + strings.Join(names, ", ")
}
