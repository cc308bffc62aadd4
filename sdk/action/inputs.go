package action

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"strconv"
)

// ErrMissingInput is wrapped by an InputError for an input that is absent or null.
var ErrMissingInput = errors.New("is missing")

// InputError says which input could not be read and why.
type InputError struct {
	// Name is the input's name.
	Name string
	// Err is ErrMissingInput or a description of the type mismatch.
	Err error
}

// Error implements error.
func (e *InputError) Error() string { return fmt.Sprintf("input %q %v", e.Name, e.Err) }

// Unwrap lets errors.Is find ErrMissingInput.
func (e *InputError) Unwrap() error { return e.Err }

// Inputs are the validated, defaulted inputs of one run. Values have their JSON types:
// string, json.Number, bool, map[string]any, []any or nil.
type Inputs struct {
	values map[string]any
}

// NewInputs builds Inputs from Go values (for code that calls an action's logic directly; the
// runtime builds Inputs itself). The values go through a JSON round trip so that the accessors
// see exactly the types a real run would, for example json.Number for 3.
func NewInputs(values map[string]any) (*Inputs, error) {
	canonical, err := canonicalJSON(values)
	if err != nil {
		return nil, fmt.Errorf("inputs: %w", err)
	}
	return &Inputs{values: canonical}, nil
}

// Map returns all inputs in a new map; nested objects and arrays are shared, not copied.
func (in *Inputs) Map() map[string]any { return maps.Clone(in.values) }

// Has reports whether the input is present and not null.
func (in *Inputs) Has(name string) bool { return in.values[name] != nil }

// Value returns the input as decoded from JSON, or an InputError when it is missing.
func (in *Inputs) Value(name string) (any, error) {
	v := in.values[name]
	if v == nil {
		return nil, &InputError{Name: name, Err: ErrMissingInput}
	}
	return v, nil
}

// String returns a string input.
func (in *Inputs) String(name string) (string, error) {
	return typed[string](in, name, "a string")
}

// Bool returns a boolean input.
func (in *Inputs) Bool(name string) (bool, error) {
	return typed[bool](in, name, "a boolean")
}

// Object returns an object input.
func (in *Inputs) Object(name string) (map[string]any, error) {
	return typed[map[string]any](in, name, "an object")
}

// Array returns an array input.
func (in *Inputs) Array(name string) ([]any, error) {
	return typed[[]any](in, name, "an array")
}

// Int returns an integer input. Integral numbers written with a fraction or exponent (3.0,
// 1e3) are accepted, as JSON Schema does; 3.5 and numbers beyond int64 are errors.
func (in *Inputs) Int(name string) (int64, error) {
	n, err := typed[json.Number](in, name, "an integer")
	if err != nil {
		return 0, err
	}
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i, nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, &InputError{Name: name, Err: fmt.Errorf("want an integer, got %s", n)}
	}
	return int64(f), nil
}

// Float returns a number input.
func (in *Inputs) Float(name string) (float64, error) {
	n, err := typed[json.Number](in, name, "a number")
	if err != nil {
		return 0, err
	}
	f, err := n.Float64()
	if err != nil {
		return 0, &InputError{Name: name, Err: fmt.Errorf("want a number, got %s: %w", n, err)}
	}
	return f, nil
}

// StringOr returns a string input, or def when the input is missing.
func (in *Inputs) StringOr(name, def string) (string, error) {
	return orDefault(in, name, def, in.String)
}

// IntOr returns an integer input, or def when the input is missing.
func (in *Inputs) IntOr(name string, def int64) (int64, error) {
	return orDefault(in, name, def, in.Int)
}

// FloatOr returns a number input, or def when the input is missing.
func (in *Inputs) FloatOr(name string, def float64) (float64, error) {
	return orDefault(in, name, def, in.Float)
}

// BoolOr returns a boolean input, or def when the input is missing.
func (in *Inputs) BoolOr(name string, def bool) (bool, error) {
	return orDefault(in, name, def, in.Bool)
}

// Decode stores all inputs in v, a pointer to a struct or map, through a JSON round trip:
// field names come from json tags, and a type mismatch names the field. Inputs without a
// field are ignored, because the contract, not the struct, decides which inputs exist.
func (in *Inputs) Decode(v any) error {
	data, err := json.Marshal(in.values)
	if err != nil {
		return fmt.Errorf("decoding inputs: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decoding inputs into %T: %w", v, err)
	}
	return nil
}

// typed returns the input as T or an InputError naming the wanted and the actual type.
func typed[T any](in *Inputs, name, want string) (T, error) {
	var zero T
	v, err := in.Value(name)
	if err != nil {
		return zero, err
	}
	t, ok := v.(T)
	if !ok {
		return zero, &InputError{Name: name, Err: fmt.Errorf("want %s, got %s", want, describe(v))}
	}
	return t, nil
}

// orDefault returns def for a missing input and get's result otherwise, so a present input
// of the wrong type is still an error.
func orDefault[T any](in *Inputs, name string, def T, get func(string) (T, error)) (T, error) {
	if !in.Has(name) {
		return def, nil
	}
	return get(name)
}

// describe renders a value for an error message: its JSON type and, for scalars, the value.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 64 {
			x = x[:64] + "…"
		}
		return fmt.Sprintf("a string %q", x)
	case json.Number:
		return "the number " + x.String()
	case bool:
		return fmt.Sprintf("the boolean %t", x)
	default:
		return jsonKind(v)
	}
}
