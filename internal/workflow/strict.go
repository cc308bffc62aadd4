package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The strict decoder of encoding/json (and sigs.k8s.io/json, which the API server uses) stops
// at the first wrongly typed value and names fields without list indexes ("spec.steps.retries").
// A workflow author wants every problem at once, each at the exact place in the YAML
// ("spec.steps[3].retries"), so the generic document is first walked against the Go types.

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// checkShape reports every place where v, a generic JSON value decoded with UseNumber, does not
// fit type t: unknown fields, wrong kinds, numbers out of range, and values a type's own
// UnmarshalJSON refuses (durations, quantities, times). null fits everything, as in
// encoding/json, where it leaves the zero value.
func checkShape(v any, t reflect.Type, path *field.Path, errs *field.ErrorList) {
	if v == nil {
		return
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		checkUnmarshaler(v, t, path, errs)
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		checkShape(v, t.Elem(), path, errs)
	case reflect.Struct:
		checkStruct(v, t, path, errs)
	case reflect.Slice:
		checkSlice(v, t, path, errs)
	case reflect.Map:
		checkMap(v, t, path, errs)
	case reflect.String:
		if _, ok := v.(string); !ok {
			*errs = append(*errs, field.TypeInvalid(path, v, "must be a string, got "+describe(v)))
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			*errs = append(*errs, field.TypeInvalid(path, v, "must be true or false, got "+describe(v)))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		checkNumber(v, t, path, errs)
	case reflect.Interface:
		// Any JSON value fits.
	default:
		*errs = append(*errs, field.InternalError(path, fmt.Errorf("no shape check for %s", t)))
	}
}

// checkUnmarshaler lets a type with its own UnmarshalJSON judge the value, so that durations,
// quantities and times are checked by exactly the code that will decode them.
func checkUnmarshaler(v any, t reflect.Type, path *field.Path, errs *field.ErrorList) {
	js, err := json.Marshal(v)
	if err == nil {
		err = reflect.New(t).Interface().(json.Unmarshaler).UnmarshalJSON(js)
	}
	if err == nil {
		return
	}
	detail := err.Error()
	if hint, ok := formatHints[t]; ok {
		detail = hint + " (" + detail + ")"
	}
	*errs = append(*errs, field.Invalid(path, v, detail))
}

func checkStruct(v any, t reflect.Type, path *field.Path, errs *field.ErrorList) {
	obj, ok := v.(map[string]any)
	if !ok {
		*errs = append(*errs, field.TypeInvalid(path, v, "must be a mapping, got "+describe(v)))
		return
	}
	fields := jsonFields(t)
	for _, key := range sortedKeys(obj) {
		f, known := fields[key]
		if !known {
			*errs = append(*errs, unknownField(path.Child(key), key, fields))
			continue
		}
		checkShape(obj[key], f.Type, path.Child(key), errs)
	}
}

func checkSlice(v any, t reflect.Type, path *field.Path, errs *field.ErrorList) {
	list, ok := v.([]any)
	if !ok {
		*errs = append(*errs, field.TypeInvalid(path, v, "must be a list, got "+describe(v)))
		return
	}
	for i, elem := range list {
		checkShape(elem, t.Elem(), path.Index(i), errs)
	}
}

func checkMap(v any, t reflect.Type, path *field.Path, errs *field.ErrorList) {
	obj, ok := v.(map[string]any)
	if !ok || t.Key().Kind() != reflect.String {
		*errs = append(*errs, field.TypeInvalid(path, v, "must be a mapping, got "+describe(v)))
		return
	}
	for _, key := range sortedKeys(obj) {
		checkShape(obj[key], t.Elem(), path.Key(key), errs)
	}
}

// checkNumber accepts what encoding/json accepts: integers (no fraction, no exponent) within
// the range of integer types, any number for floats.
func checkNumber(v any, t reflect.Type, path *field.Path, errs *field.ErrorList) {
	n, ok := v.(json.Number)
	if !ok {
		*errs = append(*errs, field.TypeInvalid(path, v, "must be a number, got "+describe(v)))
		return
	}
	var err error
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		_, err = strconv.ParseFloat(n.String(), t.Bits())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		_, err = strconv.ParseUint(n.String(), 10, t.Bits())
	default:
		_, err = strconv.ParseInt(n.String(), 10, t.Bits())
	}
	if err != nil {
		*errs = append(*errs, field.TypeInvalid(path, n.String(),
			fmt.Sprintf("must be a whole number that fits in %d bits", t.Bits())))
	}
}

// jsonFields maps the JSON names of t's fields to the fields, with the fields of embedded
// ",inline" structs (metav1.TypeMeta) lifted to the top, as encoding/json does.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	fields := make(map[string]reflect.StructField, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
		case name == "" && (f.Anonymous || slices.Contains(strings.Split(opts, ","), "inline")) && f.Type.Kind() == reflect.Struct:
			for k, inner := range jsonFields(f.Type) {
				fields[k] = inner
			}
		case name == "":
			fields[f.Name] = f
		default:
			fields[name] = f
		}
	}
	return fields
}

// unknownField reports a key the type does not have, suggesting the likely intended one: field
// names are case-sensitive, and a misspelt optional field would otherwise be dropped silently.
func unknownField(path *field.Path, key string, fields map[string]reflect.StructField) *field.Error {
	names := sortedKeys(fields)
	best, bestDistance := "", 3
	for _, name := range names {
		if strings.EqualFold(name, key) {
			best = name
			break
		}
		if max(len(key)-len(name), len(name)-len(key)) >= bestDistance {
			continue // the lengths alone put it too far; a megabyte-long key costs nothing
		}
		if d := editDistance(key, name); d < bestDistance {
			best, bestDistance = name, d
		}
	}
	if best != "" {
		return field.Forbidden(path, fmt.Sprintf("unknown field; did you mean %q?", best))
	}
	return field.Forbidden(path, "unknown field; known fields: "+strings.Join(names, ", "))
}

// decodeGeneric decodes one JSON value keeping numbers exact.
func decodeGeneric(js []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// describe names the kind of a generic JSON value for error messages.
func describe(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// editDistance is the Levenshtein distance between a and b (bytes; field names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
