package action

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kubernaut/kubernaut/sdk/refs"
)

// ErrUpstreamOutputs is wrapped by the error for an ACTION_UPSTREAM_OUTPUTS that is not a JSON
// object of JSON objects.
var ErrUpstreamOutputs = errors.New("malformed " + EnvUpstreamOutputs)

// resolveReferences replaces the output references $(steps.<step>.outputs.<key>) in inputs
// with the values in upstream (the text of ACTION_UPSTREAM_OUTPUTS), using the same resolution
// as the Job engine's controller, so that an action sees the same inputs on both engines. A
// reference to a step or key upstream does not hold is an error naming the reference: running
// with a hole in the inputs would act on something the workflow did not say.
func resolveReferences(inputs []byte, upstream string) ([]byte, error) {
	outputs, err := parseUpstream(upstream)
	if err != nil {
		return nil, err
	}
	resolved, err := refs.Resolve(inputs, func(step string) (map[string]json.RawMessage, bool) {
		out, ok := outputs[step]
		return out, ok
	})
	if err != nil {
		return nil, fmt.Errorf("output references cannot be resolved from %s (outputs of %s):\n%w",
			EnvUpstreamOutputs, stepNames(outputs), err)
	}
	if len(resolved) > MaxInputBytes {
		return nil, fmt.Errorf("inputs with output references resolved are %d bytes, more than the %d-byte limit",
			len(resolved), MaxInputBytes)
	}
	return resolved, nil
}

// parseUpstream decodes ACTION_UPSTREAM_OUTPUTS: {"<step>": {<outputs>}, ...}. Values stay
// raw JSON, so numbers beyond 2^53 and every escape reach the inputs unchanged.
func parseUpstream(upstream string) (map[string]map[string]json.RawMessage, error) {
	if len(upstream) > MaxInputBytes {
		return nil, fmt.Errorf("%w: %d bytes, more than the %d-byte limit", ErrUpstreamOutputs, len(upstream), MaxInputBytes)
	}
	steps, err := decodeRawObject([]byte(upstream))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUpstreamOutputs, err)
	}
	outputs := make(map[string]map[string]json.RawMessage, len(steps))
	for step, raw := range steps {
		out, err := decodeRawObject(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: the outputs of step %q: %w", ErrUpstreamOutputs, step, err)
		}
		for key, value := range out {
			if out[key], err = reencode(value); err != nil {
				return nil, fmt.Errorf("%w: output %q of step %q: %w", ErrUpstreamOutputs, key, step, err)
			}
		}
		outputs[step] = out
	}
	return outputs, nil
}

// decodeRawObject decodes data that must hold exactly one JSON object into its members.
func decodeRawObject(data []byte) (map[string]json.RawMessage, error) {
	if _, err := decodeObject(data); err != nil {
		return nil, err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err) // cannot happen: decodeObject accepted it
	}
	return members, nil
}

// stepNames lists the steps whose outputs are present, for error messages.
func stepNames(outputs map[string]map[string]json.RawMessage) string {
	if len(outputs) == 0 {
		return "no step"
	}
	names := make([]string, 0, len(outputs))
	for name := range outputs {
		names = append(names, name)
	}
	slices.Sort(names)
	return "steps " + strings.Join(names, ", ")
}

// escapeDollar writes every "$" of a JSON document as the escape \u0024, which decodes to the
// same text. Tekton substitutes "$(...)" expressions in the text of params and results after
// it placed them (a value holding "$(context.taskRun.name)" would be rewritten), and a "$" can
// only occur inside a JSON string, where the escape is always valid.
func escapeDollar(doc []byte) []byte {
	return bytes.ReplaceAll(doc, []byte("$"), []byte(`\u0024`))
}

// reencode writes a JSON value as the Job engine's controller stores an output: decoded with
// exact numbers and encoded by encoding/json. A value embedded in a longer string is replaced by
// this text, so it reads the same on both engines; in particular the \u0024 escapes the SDK
// writes into the Tekton result become "$" again.
func reencode(raw json.RawMessage) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}
