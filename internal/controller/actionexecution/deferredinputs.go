package actionexecution

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kubernaut/kubernaut/sdk/contract"
	"github.com/kubernaut/kubernaut/sdk/refs"
)

// applyInputs validates raw against the contract and applies its defaults (engine jobs: the
// workflow controller has resolved every reference before it created the ActionExecution).
func applyInputs(c *contract.ActionContract, raw []byte) ([]byte, error) {
	inputs, err := c.ApplyInputsJSON(raw)
	if err != nil {
		return nil, err
	}
	return encodeInputs(inputs)
}

// applyInputsDeferringReferences validates raw as applyInputs does, except the declared inputs
// whose value holds a reference $(steps.<step>.outputs.<key>), alone or inside a longer string,
// at any depth. With engine tekton such a value exists only at run time (Tekton substitutes it
// into the step), so it is neither type-checked nor defaulted here; the action's SDK validates
// the complete inputs when it starts. Every other input is checked and defaulted exactly as
// with engine jobs, and a deferred value is kept verbatim.
//
// A malformed reference is an error, as it would be with engine jobs. A reference under an
// undeclared key defers nothing: the key is reported as an unknown input.
func applyInputsDeferringReferences(c *contract.ActionContract, raw []byte) ([]byte, error) {
	found, err := refs.Find(raw)
	if err != nil {
		return nil, err
	}
	deferred := map[string]bool{}
	for _, ref := range found {
		if key := topLevelKey(ref.Pointer); declaresInput(c, key) {
			deferred[key] = true
		}
	}
	if len(deferred) == 0 {
		return applyInputs(c, raw)
	}
	doc, err := decodeObject(raw)
	if err != nil {
		return nil, err
	}
	static := maps.Clone(doc)
	maps.DeleteFunc(static, func(key string, _ any) bool { return deferred[key] })
	inputs, err := withoutInputs(c, deferred).ApplyInputs(static)
	if err != nil {
		return nil, err
	}
	for key := range deferred {
		inputs[key] = doc[key]
	}
	return encodeInputs(inputs)
}

// withoutInputs returns a copy of c in which the named inputs are neither required nor
// defaulted, so that ApplyInputs accepts their absence and adds nothing for them. c itself is
// shared through the loader's cache and is never modified.
func withoutInputs(c *contract.ActionContract, names map[string]bool) *contract.ActionContract {
	relaxed := *c
	relaxed.Spec.Inputs = slices.Clone(c.Spec.Inputs)
	for i := range relaxed.Spec.Inputs {
		if p := &relaxed.Spec.Inputs[i]; names[p.Name] {
			p.Required, p.Default = false, nil
		}
	}
	return &relaxed
}

// declaresInput reports whether the contract declares an input called name.
func declaresInput(c *contract.ActionContract, name string) bool {
	return slices.ContainsFunc(c.Spec.Inputs, func(p contract.Parameter) bool { return p.Name == name })
}

// topLevelKey returns the input a JSON pointer lies under: its first reference token, unescaped
// as RFC 6901 says ("~1" is "/", "~0" is "~").
func topLevelKey(pointer string) string {
	token, _, _ := strings.Cut(strings.TrimPrefix(pointer, "/"), "/")
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(token)
}

// decodeObject decodes the inputs object with numbers kept exact (json.Number), as the
// contract's own decoder does, so that a large integer reaches the action unchanged.
func decodeObject(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("inputs are not a JSON object: %w", err)
	}
	if doc == nil {
		doc = map[string]any{}
	}
	return doc, nil
}

// encodeInputs encodes validated inputs for ACTION_INPUTS and the status.
func encodeInputs(inputs map[string]any) ([]byte, error) {
	data, err := json.Marshal(inputs)
	if err != nil {
		return nil, fmt.Errorf("the inputs cannot be encoded as JSON after applying defaults: %w", err)
	}
	return data, nil
}
