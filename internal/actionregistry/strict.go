package actionregistry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// decodeYAML parses one YAML document into generic JSON values (numbers as json.Number).
// Duplicate keys are refused: with two entries for one action type, which one wins would depend
// on the parser, and an operator reviewing the ConfigMap could read the other one.
func decodeYAML(data []byte) (any, error) {
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		// The YAML parser spreads its errors over lines; a condition message reads better on one.
		return nil, fmt.Errorf("not valid YAML: %s", strings.Join(strings.Fields(err.Error()), " "))
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	return v, nil
}

// decodeInto checks v against the shape of out's type (unknown fields, wrong value kinds, each
// reported at its path) and, when nothing is wrong, decodes it into out. Checking the generic
// value first, instead of relying on encoding/json's DisallowUnknownFields, gives every problem
// with its full path ("kubernetes/scale_deployment.imgae") rather than only the first, unnamed.
func decodeInto(v any, out any, path string, p problems) bool {
	if !checkShape(v, reflect.TypeOf(out).Elem(), path, p) {
		return false
	}
	js, err := json.Marshal(v)
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(js))
		dec.DisallowUnknownFields()
		err = dec.Decode(out)
	}
	if err != nil { // unreachable after checkShape; kept so that a gap in it is reported, not ignored
		p.add(path, err.Error())
		return false
	}
	return true
}

// checkShape reports every place where v does not fit type t. It knows the kinds the registry
// documents use: structs (JSON objects with known fields), slices, strings and booleans.
func checkShape(v any, t reflect.Type, path string, p problems) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		return checkStruct(v, t, path, p)
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			p.add(path, "must be a list, got "+describe(v))
			return false
		}
		fits := true
		for i, elem := range list {
			fits = checkShape(elem, t.Elem(), fmt.Sprintf("%s[%d]", path, i), p) && fits
		}
		return fits
	case reflect.String:
		if _, ok := v.(string); !ok {
			p.add(path, "must be a string, got "+describe(v))
			return false
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			p.add(path, "must be true or false, got "+describe(v))
			return false
		}
	default:
		panic(fmt.Sprintf("actionregistry: checkShape does not handle %s", t))
	}
	return true
}

func checkStruct(v any, t reflect.Type, path string, p problems) bool {
	obj, ok := v.(map[string]any)
	if !ok {
		p.add(path, "must be a mapping, got "+describe(v))
		return false
	}
	fields := jsonFields(t)
	fits := true
	for _, key := range sortedKeys(obj) {
		at := fieldPath(path, key)
		field, known := fields[key]
		if !known {
			p.add(at, "unknown field"+suggest(key, sortedKeys(fields)))
			fits = false
			continue
		}
		fits = checkShape(obj[key], field.Type, at, p) && fits
	}
	return fits
}

// jsonFields maps the JSON names of t's fields to the fields.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	fields := make(map[string]reflect.StructField, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = f
		}
	}
	return fields
}

// describe names the kind of a generic JSON value for error messages.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", v)
	case json.Number:
		return "the number " + v.String()
	case bool:
		return fmt.Sprintf("%t", v)
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// suggest returns "; did you mean X?" for the known name closest to key, when one is close
// enough to be a likely misspelling, and the list of known names otherwise.
func suggest(key string, known []string) string {
	best, bestDistance := "", 3
	for _, name := range known {
		if d := editDistance(strings.ToLower(key), strings.ToLower(name)); d < bestDistance {
			best, bestDistance = name, d
		}
	}
	if best != "" {
		return fmt.Sprintf("; did you mean %s?", best)
	}
	return "; known fields: " + strings.Join(known, ", ")
}

// editDistance is the Levenshtein distance between a and b (bytes; names here are ASCII).
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

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// fieldPath appends a field name to a path.
func fieldPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}
