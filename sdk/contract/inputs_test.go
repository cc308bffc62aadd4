package contract

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// scaleDefaults are the defaults testdata/scale-deployment.yaml fills in.
func scaleDefaults() map[string]any {
	return map[string]any{
		"strategy":       "gradual",
		"timeoutSeconds": json.Number("30.5"),
		"dryRun":         false,
		"labels":         map[string]any{"team": "sre"},
		"containers":     []any{},
	}
}

func withDefaults(given map[string]any) map[string]any {
	out := scaleDefaults()
	for k, v := range given {
		out[k] = v
	}
	return out
}

func TestApplyInputsFillsDefaultsAndKeepsGivenValues(t *testing.T) {
	c := mustParse(t, readFixture(t, "scale-deployment.yaml"))
	required := map[string]any{"namespace": "prod", "deployment": "web", "replicas": json.Number("3")}
	tests := []struct {
		name string
		in   map[string]any
		want map[string]any
	}{
		{"absent optional inputs get their defaults", required, withDefaults(required)},
		{"given values win over defaults",
			merge(required, map[string]any{"strategy": "immediate", "dryRun": true, "labels": map[string]any{}}),
			withDefaults(merge(required, map[string]any{"strategy": "immediate", "dryRun": true, "labels": map[string]any{}}))},
		{"a float64 whole number is an integer", merge(required, map[string]any{"replicas": 3.0}),
			withDefaults(merge(required, map[string]any{"replicas": 3.0}))},
		{"a json.Number with a fraction of zero is an integer", merge(required, map[string]any{"replicas": json.Number("3.0")}),
			withDefaults(merge(required, map[string]any{"replicas": json.Number("3.0")}))},
		{"a Go int is accepted from Go callers", merge(required, map[string]any{"replicas": 50}),
			withDefaults(merge(required, map[string]any{"replicas": 50}))},
		{"an integer is a number", merge(required, map[string]any{"timeoutSeconds": json.Number("2")}),
			withDefaults(merge(required, map[string]any{"timeoutSeconds": json.Number("2")}))},
		{"nested objects and arrays pass through", merge(required, map[string]any{"containers": []any{map[string]any{"name": "app"}}}),
			withDefaults(merge(required, map[string]any{"containers": []any{map[string]any{"name": "app"}}}))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.ApplyInputs(tt.in)
			if err != nil {
				t.Fatalf("ApplyInputs: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// inputCase is one row of invalidInputCases.
type inputCase struct {
	name string
	in   map[string]any
	want []wantError
}

// invalidInputCases are inputs for testdata/scale-deployment.yaml with the problems expected.
var invalidInputCases = []inputCase{
	{"missing required inputs are each reported", map[string]any{}, []wantError{
		{"/namespace", "required"}, {"/deployment", "required"}, {"/replicas", "required"}}},
	{"an unknown input is refused", withRequired(map[string]any{"replica": 3}),
		[]wantError{{"/replica", "unknown input; the contract declares namespace, deployment, replicas"}}},
	{"an input in the wrong case is refused with a hint", withRequired(map[string]any{"DryRun": true}),
		[]wantError{{"/DryRun", `did you mean "dryRun"?`}}},
	{"a key with a slash is escaped in the pointer", withRequired(map[string]any{"a/b~c": 1}),
		[]wantError{{"/a~1b~0c", "unknown input"}}},
	{"a number for a string is refused", withRequired(map[string]any{"namespace": json.Number("7")}),
		[]wantError{{"/namespace", "must be a string, got the number 7"}}},
	{"a fraction for an integer is refused", withRequired(map[string]any{"replicas": 1.5}),
		[]wantError{{"/replicas", "whole number"}}},
	{"a tiny fraction float64 would hide is refused", withRequired(map[string]any{"replicas": json.Number("1.0000000000000000001")}),
		[]wantError{{"/replicas", "whole number"}}},
	{"a numeric string for an integer is refused", withRequired(map[string]any{"replicas": "3"}),
		[]wantError{{"/replicas", `must be an integer, got the string "3"`}}},
	{"a string for a boolean is refused", withRequired(map[string]any{"dryRun": "true"}),
		[]wantError{{"/dryRun", "must be a boolean"}}},
	{"an array for an object is refused", withRequired(map[string]any{"labels": []any{}}),
		[]wantError{{"/labels", "must be an object, got a list"}}},
	{"an object for an array is refused", withRequired(map[string]any{"containers": map[string]any{}}),
		[]wantError{{"/containers", "must be an array, got a mapping"}}},
	{"null is refused rather than taken as absent", withRequired(map[string]any{"strategy": nil}),
		[]wantError{{"/strategy", "must be a string, got null"}}},
	{"a value outside the enum is refused", withRequired(map[string]any{"strategy": "yolo"}),
		[]wantError{{"/strategy", `must be one of ["gradual", "immediate"], got "yolo"`}}},
	{"a value not matching the pattern is refused", withRequired(map[string]any{"namespace": "Prod"}),
		[]wantError{{"/namespace", "does not match the pattern"}}},
	{"a value below the minimum is refused", withRequired(map[string]any{"replicas": json.Number("-1")}),
		[]wantError{{"/replicas", "must be at least 0, got -1"}}},
	{"a value above the maximum is refused", withRequired(map[string]any{"replicas": 51}),
		[]wantError{{"/replicas", "must be at most 50, got 51"}}},
	{"a number beyond the float64 range is refused", withRequired(map[string]any{"timeoutSeconds": json.Number("1e400")}),
		[]wantError{{"/timeoutSeconds", "float64 range"}}},
	{"a huge negative exponent is refused before exact arithmetic", withRequired(map[string]any{"timeoutSeconds": json.Number("1e-999999999")}),
		[]wantError{{"/timeoutSeconds", "exponent within ±400"}}},
	{"a malformed json.Number is refused", withRequired(map[string]any{"timeoutSeconds": json.Number("Inf")}),
		[]wantError{{"/timeoutSeconds", "must be a number"}}},
	{"a value JSON cannot carry is refused at its nested pointer", withRequired(map[string]any{"labels": map[string]any{"app": make(chan int)}}),
		[]wantError{{"/labels/app", "not a JSON value (Go type chan int)"}}},
	{"every problem is reported at once", map[string]any{"namespace": "", "replicas": 99, "extra": 1}, []wantError{
		{"/namespace", "does not match the pattern"}, {"/deployment", "required"}, {"/replicas", "at most 50"}, {"/extra", "unknown input"}}},
}

func TestApplyInputsReportsEveryInvalidInputAtItsPointer(t *testing.T) {
	c := mustParse(t, readFixture(t, "scale-deployment.yaml"))
	for _, tt := range invalidInputCases {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.ApplyInputs(tt.in)
			var inputErr *InputError
			if !errors.As(err, &inputErr) {
				t.Fatalf("got %v, %v; want an *InputError", out, err)
			}
			assertFieldErrors(t, err, tt.want)
		})
	}
}

func TestApplyInputsNeverChangesItsArgumentNorTheContract(t *testing.T) {
	c := mustParse(t, readFixture(t, "scale-deployment.yaml"))
	in := map[string]any{"namespace": "prod", "deployment": "web", "replicas": json.Number("3"), "containers": []any{"a"}}
	before := merge(in, nil)
	out, err := c.ApplyInputs(in)
	if err != nil {
		t.Fatalf("ApplyInputs: %v", err)
	}
	out["labels"].(map[string]any)["team"] = "changed"
	out["containers"].([]any)[0] = "changed"
	if diff := cmp.Diff(before, in); diff != "" {
		t.Errorf("the argument changed (-before +after):\n%s", diff)
	}
	again, err := c.ApplyInputs(before)
	if err != nil {
		t.Fatalf("ApplyInputs: %v", err)
	}
	if got := again["labels"].(map[string]any)["team"]; got != "sre" {
		t.Errorf("the contract's default changed through a result: team=%v", got)
	}
}

func TestApplyInputsJSONDecodesOneObjectExactly(t *testing.T) {
	c := mustParse(t, readFixture(t, "git-clone.yaml"))
	got, err := c.ApplyInputsJSON([]byte(`{"repository": "https://example.com/r.git"}`))
	if err != nil {
		t.Fatalf("ApplyInputsJSON: %v", err)
	}
	want := map[string]any{"repository": "https://example.com/r.git", "branch": "main"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	tests := []struct {
		name  string
		input string
		want  []wantError
	}{
		{"empty input is refused", " \n", []wantError{{"", "inputs are empty"}}},
		{"malformed JSON is refused", `{"repository": `, []wantError{{"", "not valid JSON"}}},
		{"trailing data is refused", `{"repository": "x"} {}`, []wantError{{"", "unexpected data after the JSON value"}}},
		{"an array is refused", `["x"]`, []wantError{{"", "must be a JSON object, got a list"}}},
		{"a valid object with a bad value is checked", `{"repository": 1}`, []wantError{{"/repository", "must be a string"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.ApplyInputsJSON([]byte(tt.input))
			assertFieldErrors(t, err, tt.want)
		})
	}
}

func TestApplyInputsJSONKeepsLargeIntegersExact(t *testing.T) {
	c := &ActionContract{Spec: Spec{Inputs: []Parameter{{Name: "n", Type: TypeInteger}}}}
	got, err := c.ApplyInputsJSON([]byte(`{"n": 9007199254740993}`))
	if err != nil {
		t.Fatalf("ApplyInputsJSON: %v", err)
	}
	if diff := cmp.Diff(map[string]any{"n": json.Number("9007199254740993")}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestValidateOutputsChecksDeclaredTypesAndRefusesUndeclaredKeys(t *testing.T) {
	c := mustParse(t, readFixture(t, "scale-deployment.yaml"))
	tests := []struct {
		name string
		out  map[string]any
		want []wantError
	}{
		{"declared outputs of the right type pass", map[string]any{"previousReplicas": json.Number("2"), "scaled": true}, nil},
		{"missing outputs are allowed", map[string]any{}, nil},
		{"an undeclared output is refused", map[string]any{"scaled": true, "replicas": 1},
			[]wantError{{"/replicas", "undeclared output; the contract declares previousReplicas, scaled, details"}}},
		{"a wrong type is refused", map[string]any{"previousReplicas": "2", "scaled": 1.5},
			[]wantError{{"/previousReplicas", "must be an integer"}, {"/scaled", "must be a boolean"}}},
		{"a fractional integer is refused", map[string]any{"previousReplicas": 2.5},
			[]wantError{{"/previousReplicas", "whole number"}}},
		{"a value JSON cannot carry is refused at its nested pointer", map[string]any{"details": map[string]any{"f": func() {}}},
			[]wantError{{"/details/f", "not a JSON value"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.ValidateOutputs(tt.out)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("ValidateOutputs: %v", err)
				}
				return
			}
			var outErr *OutputError
			if !errors.As(err, &outErr) {
				t.Fatalf("got %v, want an *OutputError", err)
			}
			assertFieldErrors(t, err, tt.want)
		})
	}
}

// withRequired is a valid set of the required inputs of testdata/scale-deployment.yaml, with
// the given entries added or replaced.
func withRequired(extra map[string]any) map[string]any {
	return merge(map[string]any{"namespace": "prod", "deployment": "web", "replicas": json.Number("3")}, extra)
}

func merge(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
