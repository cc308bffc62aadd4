package refs

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFindReturnsReferencesInKeyOrder(t *testing.T) {
	tests := []struct {
		name   string
		inputs string
		want   []Ref
	}{
		{"nil inputs hold no references", "", nil},
		{"null inputs hold no references", " null ", nil},
		{"an empty object holds no references", "{}", nil},
		{"a whole-string reference is found at its pointer", `{"replicas":"$(steps.a.outputs.count)"}`,
			[]Ref{{Step: "a", Key: "count", Pointer: "/replicas"}}},
		{"several references in one string are found in text order",
			`{"msg":"scaled $(steps.scale-up.outputs.name) to $(steps.b2.outputs.new_Count)$(steps.c.outputs._x)"}`,
			[]Ref{
				{Step: "scale-up", Key: "name", Pointer: "/msg"},
				{Step: "b2", Key: "new_Count", Pointer: "/msg"},
				{Step: "c", Key: "_x", Pointer: "/msg"},
			}},
		{"object members are visited by sorted key, depth first",
			`{"z":"$(steps.a.outputs.z)","b":{"y":["x","$(steps.a.outputs.i)"]},"c":"$(steps.a.outputs.c)"}`,
			[]Ref{
				{Step: "a", Key: "i", Pointer: "/b/y/1"},
				{Step: "a", Key: "c", Pointer: "/c"},
				{Step: "a", Key: "z", Pointer: "/z"},
			}},
		{"array elements are visited by numeric index",
			`{"l":["$(steps.a.outputs.k0)",1,2,3,4,5,6,7,8,9,"$(steps.a.outputs.k10)"],"k":"$(steps.a.outputs.k)"}`,
			[]Ref{
				{Step: "a", Key: "k", Pointer: "/k"},
				{Step: "a", Key: "k0", Pointer: "/l/0"},
				{Step: "a", Key: "k10", Pointer: "/l/10"},
			}},
		{"pointer tokens escape tilde and slash", `{"a/b~c":"$(steps.a.outputs.k)"}`,
			[]Ref{{Step: "a", Key: "k", Pointer: "/a~1b~0c"}}},
		{"a reference written with JSON escapes is still a reference", `{"m":"\u0024(steps.a.outputs.k)"}`,
			[]Ref{{Step: "a", Key: "k", Pointer: "/m"}}},
		{"object keys are not searched", `{"$(steps.a.outputs.k)":1,"$(steps.bad":2}`, nil},
		{"text that does not start with the prefix is left alone",
			`{"a":"$(params.x) steps.a.outputs.b $(steps $ (steps.a.outputs.b)","n":5,"t":true,"z":null}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Find([]byte(tt.inputs))
			if err != nil {
				t.Fatalf("Find: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Find mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFindRejectsMalformedReferences(t *testing.T) {
	grammar := "want $(steps.<step>.outputs.<key>) with <step> a DNS-1123 label and <key> an identifier"
	long := strings.Repeat("a", 64)
	tests := []struct {
		name   string
		inputs string
		want   []error
	}{
		{"output instead of outputs is malformed", `{"m":"x $(steps.a.output.b)"}`,
			[]error{&MalformedError{Pointer: "/m", Text: "$(steps.a.output.b)", Reason: grammar}}},
		{"an unterminated reference is malformed", `{"m":"$(steps.a.outputs.b"}`,
			[]error{&MalformedError{Pointer: "/m", Text: "$(steps.a.outputs.b", Reason: "missing the closing ')'"}}},
		{"an upper-case step name is malformed", `{"m":"$(steps.A.outputs.b)"}`,
			[]error{&MalformedError{Pointer: "/m", Text: "$(steps.A.outputs.b)", Reason: grammar}}},
		{"a key with a hyphen is malformed because contract outputs are identifiers", `{"m":"$(steps.a.outputs.my-key)"}`,
			[]error{&MalformedError{Pointer: "/m", Text: "$(steps.a.outputs.my-key)", Reason: grammar}}},
		{"a key starting with a digit is malformed", `{"m":"$(steps.a.outputs.1x)"}`,
			[]error{&MalformedError{Pointer: "/m", Text: "$(steps.a.outputs.1x)", Reason: grammar}}},
		{"a step name longer than 63 characters is malformed", `{"m":"$(steps.` + long + `.outputs.k)"}`,
			[]error{&MalformedError{Pointer: "/m", Text: "$(steps." + long + ".outputs.k)", Reason: "step and output names are at most 63 characters"}}},
		{"every malformed reference is reported, in key order",
			`{"z":["$(steps.)"],"a":"ok $(steps.a.outputs.k) $(steps..outputs.k)"}`,
			[]error{
				&MalformedError{Pointer: "/a", Text: "$(steps..outputs.k)", Reason: grammar},
				&MalformedError{Pointer: "/z/0", Text: "$(steps.)", Reason: grammar},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Find([]byte(tt.inputs))
			if got != nil {
				t.Errorf("Find returned references along with an error: %v", got)
			}
			if diff := cmp.Diff(tt.want, unjoin(err)); diff != "" {
				t.Errorf("errors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFindRejectsInputsThatAreNotOneJSONObject(t *testing.T) {
	tests := []struct {
		name, inputs, want string
	}{
		{"an array is not an object", `[1]`, "inputs must be a JSON object, got an array"},
		{"a string is not an object", `"x"`, "inputs must be a JSON object, got a string"},
		{"a number is not an object", `12`, "inputs must be a JSON object, got a number"},
		{"invalid JSON is rejected with the parser's reason", `{"a":}`,
			"inputs must be a JSON object: invalid character '}' looking for beginning of value"},
		{"data after the object is rejected", `{} {}`,
			"inputs must be a JSON object: invalid character '{' after top-level value"},
		{"a duplicate key is rejected rather than resolved to one of its values", `{"a":{"k":1,"k":2}}`,
			`inputs must be a JSON object: duplicate key "k" in the object at /a`},
		{"a duplicate top-level key is rejected", `{"k":1,"k":2}`,
			`inputs must be a JSON object: duplicate key "k" in the top-level object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Find([]byte(tt.inputs))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Find error = %v, want %q", err, tt.want)
			}
			if !errors.Is(err, ErrInvalidInputs) {
				t.Errorf("errors.Is(%v, ErrInvalidInputs) = false", err)
			}
			if _, err := Resolve([]byte(tt.inputs), noOutputs); !errors.Is(err, ErrInvalidInputs) {
				t.Errorf("Resolve error = %v, want ErrInvalidInputs", err)
			}
		})
	}
}

func noOutputs(string) (map[string]json.RawMessage, bool) { return nil, false }

// unjoin flattens joined errors, in order.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range j.Unwrap() {
		out = append(out, unjoin(e)...)
	}
	return out
}
