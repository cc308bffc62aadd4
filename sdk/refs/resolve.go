package refs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// MalformedError reports text starting with "$(steps." that is not a valid reference.
type MalformedError struct {
	Pointer string // JSON pointer of the string value holding the text
	Text    string // the offending text, up to its ')' (shortened when long)
	Reason  string
}

// Error formats the problem as "pointer: malformed reference "text": reason".
func (e *MalformedError) Error() string {
	return fmt.Sprintf("%s: malformed reference %q: %s", e.Pointer, e.Text, e.Reason)
}

// MissingOutputError reports a reference to a step without recorded outputs or to an output
// the step did not produce.
type MissingOutputError struct {
	Pointer string
	Step    string
	Key     string
	// StepHasOutputs is false when no outputs are recorded for the step at all (it has not
	// finished, or it does not exist).
	StepHasOutputs bool
	// Available lists the step's outputs, sorted, to spot a typo at a glance.
	Available []string
}

// Error formats the problem as "pointer: step "a" has no output "key" (it has: x, y)".
func (e *MissingOutputError) Error() string {
	switch {
	case !e.StepHasOutputs:
		return fmt.Sprintf("%s: step %q has no outputs recorded, so output %q is unavailable", e.Pointer, e.Step, e.Key)
	case len(e.Available) == 0:
		return fmt.Sprintf("%s: step %q has no output %q (it has none)", e.Pointer, e.Step, e.Key)
	}
	return fmt.Sprintf("%s: step %q has no output %q (it has: %s)", e.Pointer, e.Step, e.Key, strings.Join(e.Available, ", "))
}

// Find parses inputs (a JSON object; empty, nil or null mean {}) and returns every reference in
// string values, in document order with object keys sorted: depth first, members by key, array
// elements by index. Text starting with "$(steps." that does not match the grammar (such as
// "$(steps.a.output.b)" or an unterminated reference) is an error naming its pointer; all such
// errors are returned at once. Object keys are not searched (see the package documentation).
func Find(inputs []byte) ([]Ref, error) {
	values, err := scanStringValues(inputs)
	if err != nil {
		return nil, err
	}
	var refs []Ref
	var errs []error
	for _, v := range sortByKeys(values) {
		found, bad := scanString(v.value, v.pointer)
		for _, r := range found {
			refs = append(refs, r.Ref)
		}
		errs = append(errs, bad...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return refs, nil
}

// OutputsOf returns the outputs of a finished step, ok=false if that step has no outputs recorded.
type OutputsOf func(step string) (map[string]json.RawMessage, bool)

// Resolve replaces every reference and returns the resulting JSON object. A string that is
// exactly one reference becomes the referenced JSON value with its type kept (a number stays a
// number, an object an object). A reference inside a longer string is replaced by the value's
// text: a JSON string's content unquoted, any other value as compact JSON. Every other byte of
// inputs is kept as it is. Malformed references and missing steps or outputs are errors naming
// the pointer, step and key, all returned at once. Empty, nil or null inputs give {}.
func Resolve(inputs []byte, outputs OutputsOf) ([]byte, error) {
	values, err := scanStringValues(inputs)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(inputs)) == 0 || bytes.Equal(bytes.TrimSpace(inputs), []byte("null")) {
		return []byte("{}"), nil
	}
	replaced := make(map[int][]byte) // start offset of a string token -> its replacement
	var errs []error
	for _, v := range sortByKeys(values) {
		out, err := resolveString(v, outputs)
		if err != nil {
			errs = append(errs, err)
		} else if out != nil {
			replaced[v.start] = out
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return splice(inputs, values, replaced), nil
}

// splice copies inputs, replacing the string tokens that have a replacement.
func splice(inputs []byte, values []stringValue, replaced map[int][]byte) []byte {
	var out bytes.Buffer
	out.Grow(len(inputs))
	last := 0
	for _, v := range values { // in input order
		if r, ok := replaced[v.start]; ok {
			out.Write(inputs[last:v.start])
			out.Write(r)
			last = v.end
		}
	}
	out.Write(inputs[last:])
	return out.Bytes()
}

// resolveString returns the replacement JSON for one string value, or nil when it holds no
// reference.
func resolveString(v stringValue, outputs OutputsOf) ([]byte, error) {
	found, bad := scanString(v.value, v.pointer)
	if len(bad) > 0 {
		return nil, errors.Join(bad...)
	}
	if len(found) == 0 {
		return nil, nil
	}
	var errs []error
	values := make([]json.RawMessage, len(found))
	for i, r := range found {
		values[i], errs = lookup(r.Ref, outputs, errs)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(found) == 1 && found[0].start == 0 && found[0].end == len(v.value) {
		return values[0], nil // exactly one reference: keep the value's JSON type
	}
	var text strings.Builder
	last := 0
	for i, r := range found {
		text.WriteString(v.value[last:r.start])
		text.WriteString(asText(values[i]))
		last = r.end
	}
	text.WriteString(v.value[last:])
	return encodeString(text.String()), nil
}

// lookup returns the referenced output as compact JSON, or appends the reason it cannot.
func lookup(r Ref, outputs OutputsOf, errs []error) (json.RawMessage, []error) {
	all, ok := outputs(r.Step)
	raw, has := all[r.Key]
	if !ok || !has {
		keys := make([]string, 0, len(all))
		for k := range all {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return nil, append(errs, &MissingOutputError{Pointer: r.Pointer, Step: r.Step, Key: r.Key, StepHasOutputs: ok, Available: keys})
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return nil, append(errs, fmt.Errorf("%s: output %q of step %q is not valid JSON: %w", r.Pointer, r.Key, r.Step, err))
	}
	return compact.Bytes(), errs
}

// asText renders a value for use inside a longer string: a string's content, else its JSON.
func asText(raw json.RawMessage) string {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	return string(raw)
}

// encodeString returns s as a JSON string without HTML escaping, so "<" stays "<".
func encodeString(s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // encoding a Go string cannot fail
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
