package action_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kubernaut/kubernaut/sdk/action"
)

func mustInputs(t *testing.T, values map[string]any) *action.Inputs {
	t.Helper()
	in, err := action.NewInputs(values)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// sampleInputs holds one input of every shape the accessors handle.
func sampleInputs(t *testing.T) *action.Inputs {
	return mustInputs(t, map[string]any{
		"name":     "payment",
		"replicas": 3,
		"whole":    json.Number("3.0"),
		"big":      json.Number("9007199254740993"),
		"exp":      json.Number("1e3"),
		"ratio":    0.5,
		"huge":     json.Number("1e300"),
		"dryRun":   true,
		"labels":   map[string]any{"app": "web"},
		"tags":     []any{"a", "b"},
		"nothing":  nil,
	})
}

func TestTypedAccessorsReturnValuesOrNameTheInput(t *testing.T) {
	in := sampleInputs(t)
	tests := []struct {
		name    string
		get     func() (any, error)
		want    any
		wantErr string // substring; empty means success
	}{
		{"a string input is returned", func() (any, error) { return in.String("name") }, "payment", ""},
		{"an integer input is returned", func() (any, error) { return in.Int("replicas") }, int64(3), ""},
		{"an integer beyond 2^53 keeps every digit", func() (any, error) { return in.Int("big") }, int64(9007199254740993), ""},
		{"an integer written as 3.0 is an integer", func() (any, error) { return in.Int("whole") }, int64(3), ""},
		{"an integer written with an exponent is an integer", func() (any, error) { return in.Int("exp") }, int64(1000), ""},
		{"a fraction is not an integer", func() (any, error) { return in.Int("ratio") }, int64(0), `input "ratio" want an integer, got 0.5`},
		{"a number beyond int64 is not an integer", func() (any, error) { return in.Int("huge") }, int64(0), `input "huge" want an integer, got 1e300`},
		{"a number input is returned", func() (any, error) { return in.Float("ratio") }, 0.5, ""},
		{"an integer is a number", func() (any, error) { return in.Float("replicas") }, 3.0, ""},
		{"a boolean input is returned", func() (any, error) { return in.Bool("dryRun") }, true, ""},
		{"an object input is returned", func() (any, error) { return in.Object("labels") }, map[string]any{"app": "web"}, ""},
		{"an array input is returned", func() (any, error) { return in.Array("tags") }, []any{"a", "b"}, ""},
		{"a missing input is named", func() (any, error) { return in.String("absent") }, "", `input "absent" is missing`},
		{"a null input is missing", func() (any, error) { return in.Bool("nothing") }, false, `input "nothing" is missing`},
		{"a number asked for as a string names both types", func() (any, error) { return in.String("replicas") }, "", `input "replicas" want a string, got the number 3`},
		{"a string asked for as an integer shows the string", func() (any, error) { return in.Int("name") }, int64(0), `input "name" want an integer, got a string "payment"`},
		{"an array asked for as an object names both types", func() (any, error) { return in.Object("tags") }, map[string]any(nil), `input "tags" want an object, got an array`},
		{"a default stands in for a missing input", func() (any, error) { return in.IntOr("absent", 7) }, int64(7), ""},
		{"a default does not replace a present input", func() (any, error) { return in.StringOr("name", "x") }, "payment", ""},
		{"a default does not excuse a wrong type", func() (any, error) { return in.BoolOr("name", true) }, false, `input "name" want a boolean`},
		{"a float default stands in for a null input", func() (any, error) { return in.FloatOr("nothing", 1.5) }, 1.5, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.get()
			if tt.wantErr == "" && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("value (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAMissingInputErrorIsBothAnInputErrorAndErrMissingInput(t *testing.T) {
	_, err := mustInputs(t, nil).String("namespace")
	var inputErr *action.InputError
	if !errors.As(err, &inputErr) || inputErr.Name != "namespace" {
		t.Errorf("error %v is not an *InputError for %q", err, "namespace")
	}
	if !errors.Is(err, action.ErrMissingInput) {
		t.Errorf("error %v does not wrap ErrMissingInput", err)
	}
}

func TestDecodeFillsAStructByJSONTagsAndNamesAMismatchedField(t *testing.T) {
	type args struct {
		Deployment string            `json:"deployment"`
		Replicas   int32             `json:"replicas"`
		Labels     map[string]string `json:"labels"`
		Extra      any               `json:"extra"`
	}
	in := mustInputs(t, map[string]any{
		"deployment": "web", "replicas": 4, "labels": map[string]any{"tier": "front"},
		"extra": 12345678901234567, "ignored": true,
	})
	var got args
	if err := in.Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := args{Deployment: "web", Replicas: 4, Labels: map[string]string{"tier": "front"}, Extra: json.Number("12345678901234567")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}

	err := mustInputs(t, map[string]any{"replicas": "four"}).Decode(&got)
	if err == nil || !strings.Contains(err.Error(), "replicas") {
		t.Errorf("error %v does not name the field replicas", err)
	}
}

func TestNewInputsRefusesValuesJSONCannotCarry(t *testing.T) {
	_, err := action.NewInputs(map[string]any{"callback": func() {}})
	if err == nil || !strings.Contains(err.Error(), "not serialisable to JSON") {
		t.Errorf("error %v, want one saying the inputs are not serialisable", err)
	}
}

func TestMapReturnsACopy(t *testing.T) {
	in := mustInputs(t, map[string]any{"a": "b"})
	m := in.Map()
	m["a"] = "changed"
	if got, _ := in.String("a"); got != "b" {
		t.Errorf("changing the map changed the inputs: a = %q", got)
	}
}
