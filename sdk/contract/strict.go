package contract

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// checkStructure compares a decoded document with the shape of ActionContract and lists every
// unknown field and every value of the wrong JSON type, each with its field path. It also
// normalizes the document in place where the contract format is lenient (quantities).
//
// encoding/json can refuse unknown fields but stops at the first one and names it without a
// path; it also matches field names case-insensitively, so "Name" would pass for "name". Walking
// the generic value against the Go types gives every problem, with its path, case-sensitively.
func checkStructure(doc any) []FieldError {
	var errs fieldErrors
	root, ok := doc.(map[string]any)
	if !ok {
		errs.add("", "the document must be a mapping with apiVersion, kind, metadata and spec, got "+describe(doc))
		return errs
	}
	if checkIdentity(root, &errs); len(errs) > 0 {
		return errs
	}
	checkValueShape(root, reflect.TypeFor[ActionContract](), "", &errs)
	return errs
}

// checkIdentity refuses documents that are not an ActionContract of this API version.
func checkIdentity(root map[string]any, errs *fieldErrors) {
	want := map[string]string{"apiVersion": APIVersion, "kind": Kind}
	for _, field := range []string{"apiVersion", "kind"} {
		switch got := root[field].(type) {
		case nil:
			errs.add(field, fmt.Sprintf("required; must be %q", want[field]))
		case string:
			if got != want[field] {
				errs.add(field, fmt.Sprintf("must be %q, got %q", want[field], got))
			}
		default:
			errs.add(field, fmt.Sprintf("must be %q, got %s", want[field], describe(got)))
		}
	}
}

// checkValueShape checks v against Go type t. A null value is accepted anywhere and means
// "unset", as in Kubernetes objects; Validate then reports missing required fields.
func checkValueShape(v any, t reflect.Type, path string, errs *fieldErrors) {
	if v == nil {
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		checkValueShape(v, t.Elem(), path, errs)
	case reflect.Interface:
		// Free-form values (default, enum) are checked by Validate against the declared type.
	case reflect.Struct:
		checkStructShape(v, t, path, errs)
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			errs.add(path, "must be a list, got "+describe(v))
			return
		}
		for i, item := range list {
			checkValueShape(item, t.Elem(), indexPath(path, i), errs)
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			errs.add(path, "must be a mapping, got "+describe(v))
			return
		}
		for _, key := range sortedKeys(obj) {
			checkValueShape(obj[key], t.Elem(), fieldPath(path, key), errs)
		}
	default:
		checkScalarShape(v, t.Kind(), path, errs)
	}
}

func checkStructShape(v any, t reflect.Type, path string, errs *fieldErrors) {
	obj, ok := v.(map[string]any)
	if !ok {
		errs.add(path, "must be a mapping, got "+describe(v))
		return
	}
	fields := jsonFields(t)
	for _, key := range sortedKeys(obj) {
		field, known := fields[key]
		if !known {
			errs.add(fieldPath(path, key), unknownFieldReason(key, fields))
			continue
		}
		if field.Tag.Get("contract") == "quantities" {
			quantitiesToStrings(obj[key])
		}
		checkValueShape(obj[key], field.Type, fieldPath(path, key), errs)
	}
}

// quantitiesToStrings turns unquoted numbers in a resource list into strings in place, because
// Kubernetes manifests write "cpu: 1" and authors copy from them.
func quantitiesToStrings(list any) {
	if m, ok := list.(map[string]any); ok {
		for k, v := range m {
			if n, ok := v.(json.Number); ok {
				m[k] = string(n)
			}
		}
	}
}

func checkScalarShape(v any, kind reflect.Kind, path string, errs *fieldErrors) {
	switch kind {
	case reflect.String:
		if _, ok := v.(string); !ok {
			errs.add(path, "must be a string, got "+describe(v)+"; quote the value to keep it a string")
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			errs.add(path, "must be a boolean (true or false), got "+describe(v))
		}
	case reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			errs.add(path, "must be an integer, got "+describe(v))
		} else if _, err := n.Int64(); err != nil {
			errs.add(path, fmt.Sprintf("must be a 64-bit integer, got %s", n))
		}
	case reflect.Float64:
		n, ok := v.(json.Number)
		if !ok {
			errs.add(path, "must be a number, got "+describe(v))
		} else if _, err := n.Float64(); err != nil {
			errs.add(path, fmt.Sprintf("must be a number within the float64 range, got %s", n))
		}
	default:
		// Every field kind of ActionContract is handled above; reaching this is a programming error.
		panic(fmt.Sprintf("contract: no shape check for %s at %s", kind, path))
	}
}

// jsonFields maps the JSON names of a struct's fields to the fields.
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

// unknownFieldReason explains an unknown field, pointing out a case-only mismatch, which is the
// most common cause and which encoding/json would have silently accepted.
func unknownFieldReason(key string, fields map[string]reflect.StructField) string {
	for name := range fields {
		if strings.EqualFold(name, key) {
			return fmt.Sprintf("unknown field; field names are case-sensitive, did you mean %q?", name)
		}
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	return "unknown field; known fields here: " + strings.Join(names, ", ")
}

// describe names the JSON type of a decoded value for error messages.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", truncate(v, 40))
	case json.Number:
		return "the number " + truncate(string(v), 40)
	case float64, float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprintf("the number %v", v)
	case bool:
		return "the boolean " + strconv.FormatBool(v)
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	default:
		return fmt.Sprintf("a value of Go type %T", v)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var simpleKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// fieldPath appends a mapping key to a field path: "spec.resources", or `labels["a.b/c"]` when
// the key would be ambiguous after a dot.
func fieldPath(parent, key string) string {
	if !simpleKey.MatchString(key) {
		return parent + "[" + strconv.Quote(key) + "]"
	}
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func indexPath(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}
