package refs

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// recorded returns an OutputsOf over fixed outputs written as JSON text.
func recorded(steps map[string]map[string]string) OutputsOf {
	return func(step string) (map[string]json.RawMessage, bool) {
		outs, ok := steps[step]
		if !ok {
			return nil, false
		}
		raw := make(map[string]json.RawMessage, len(outs))
		for k, v := range outs {
			raw[k] = json.RawMessage(v)
		}
		return raw, true
	}
}

var sampleOutputs = recorded(map[string]map[string]string{
	"a": {
		"count":  `3`,
		"max":    `9223372036854775807`,
		"huge":   `123456789012345678901234567890.5e400`,
		"url":    `"https://git.example/pr/1"`,
		"quoted": `"he said \"hi\"\\ \n\ttab"`,
		"uni":    `"h\u00e9llo ✓ <b>&amp;"`,
		"obj":    "{ \"x\" : [1, 2.50, {\"y\": null}] }",
		"list":   `["p","q"]`,
		"yes":    `true`,
		"none":   `null`,
		"empty":  `""`,
	},
	"b":     {"name": `"web"`},
	"quiet": {},
})

// withInjector adds a step whose output looks like a reference, to prove outputs are not
// expanded again.
func withInjector(step string) (map[string]json.RawMessage, bool) {
	if step == "inject" {
		return map[string]json.RawMessage{"v": json.RawMessage(`"$(steps.b.outputs.name)"`)}, true
	}
	return sampleOutputs(step)
}

func TestResolveReplacesReferences(t *testing.T) {
	tests := []struct {
		name, inputs, want string
	}{
		{"nil inputs resolve to the empty object", "", `{}`},
		{"null inputs resolve to the empty object", "null", `{}`},
		{"inputs without references are returned byte for byte",
			"{ \"z\": 1e2, \"a\" : [ \"\\u00e9\\n\", 18446744073709551616 ],\n \"t\": \"<>&\" }",
			"{ \"z\": 1e2, \"a\" : [ \"\\u00e9\\n\", 18446744073709551616 ],\n \"t\": \"<>&\" }"},
		{"a whole-string reference to a number becomes a number", `{"replicas":"$(steps.a.outputs.count)"}`, `{"replicas":3}`},
		{"the largest int64 arrives intact", `{"n":"$(steps.a.outputs.max)"}`, `{"n":9223372036854775807}`},
		{"a number beyond float64 arrives intact", `{"n":"$(steps.a.outputs.huge)"}`, `{"n":123456789012345678901234567890.5e400}`},
		{"a whole-string reference to an object keeps its structure, compacted",
			`{"o":"$(steps.a.outputs.obj)"}`, `{"o":{"x":[1,2.50,{"y":null}]}}`},
		{"whole-string references keep booleans, null, arrays and strings",
			`{"y":"$(steps.a.outputs.yes)","n":"$(steps.a.outputs.none)","l":"$(steps.a.outputs.list)","s":"$(steps.b.outputs.name)"}`,
			`{"y":true,"n":null,"l":["p","q"],"s":"web"}`},
		{"a reference in a longer string is replaced by the string's content",
			`{"msg":"PR: $(steps.a.outputs.url)!"}`, `{"msg":"PR: https://git.example/pr/1!"}`},
		{"quotes, backslashes, newlines and tabs are escaped again in the longer string",
			`{"msg":"> $(steps.a.outputs.quoted)"}`, `{"msg":"> he said \"hi\"\\ \n\ttab"}`},
		{"unicode and HTML characters are kept as they are",
			`{"msg":"[$(steps.a.outputs.uni)]"}`, `{"msg":"[héllo ✓ <b>&amp;]"}`},
		{"a number in a longer string is its JSON text", `{"msg":"now $(steps.a.outputs.max) pods"}`,
			`{"msg":"now 9223372036854775807 pods"}`},
		{"an object in a longer string is its compact JSON text, escaped",
			`{"msg":"got $(steps.a.outputs.obj)"}`, `{"msg":"got {\"x\":[1,2.50,{\"y\":null}]}"}`},
		{"adjacent references are all replaced",
			`{"m":"$(steps.b.outputs.name)$(steps.a.outputs.count)$(steps.a.outputs.empty)-$(steps.a.outputs.none)"}`,
			`{"m":"web3-null"}`},
		{"a reference with surrounding text is not a whole-string reference",
			`{"m":" $(steps.a.outputs.count)"}`, `{"m":" 3"}`},
		{"only the strings holding references change; layout and key order stay",
			"{\n  \"z\": \"$(steps.a.outputs.count)\",\n  \"a\": [\"\\u00e9\", 1.0, {\"k\": \"x $(steps.b.outputs.name)\"}]\n}",
			"{\n  \"z\": 3,\n  \"a\": [\"\\u00e9\", 1.0, {\"k\": \"x web\"}]\n}"},
		{"object keys that look like references stay untouched",
			`{"$(steps.a.outputs.count)":"$(steps.a.outputs.count)"}`, `{"$(steps.a.outputs.count)":3}`},
		{"a substituted value is never searched for references again",
			`{"m":"$(steps.inject.outputs.v)","n":"x$(steps.inject.outputs.v)"}`,
			`{"m":"$(steps.b.outputs.name)","n":"x$(steps.b.outputs.name)"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resolve([]byte(tt.inputs), withInjector)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("Resolve mismatch (-want +got):\n%s", diff)
			}
			if !json.Valid(got) {
				t.Errorf("Resolve returned invalid JSON: %s", got)
			}
		})
	}
}

func TestResolveReportsEveryMissingOutput(t *testing.T) {
	tests := []struct {
		name, inputs string
		outputs      OutputsOf
		want         []string
	}{
		{"a missing key lists the outputs the step has", `{"replicas":"$(steps.b2.outputs.count)"}`,
			recorded(map[string]map[string]string{"b2": {"y": "1", "x": "2"}}),
			[]string{`/replicas: step "b2" has no output "count" (it has: x, y)`}},
		{"a step with no outputs recorded is named", `{"m":"x $(steps.late.outputs.k)"}`, sampleOutputs,
			[]string{`/m: step "late" has no outputs recorded, so output "k" is unavailable`}},
		{"a step that recorded no outputs says it has none", `{"m":"$(steps.quiet.outputs.k)"}`, sampleOutputs,
			[]string{`/m: step "quiet" has no output "k" (it has none)`}},
		{"an output that is not valid JSON is an error, never passed on", `{"m":"$(steps.bad.outputs.k)"}`,
			recorded(map[string]map[string]string{"bad": {"k": "{"}}),
			[]string{`/m: output "k" of step "bad" is not valid JSON: unexpected end of JSON input`}},
		{"every problem is reported, in key order",
			`{"z":"$(steps.a.outputs.nope)","a":["$(steps.a.output.x)", "$(steps.gone.outputs.k) $(steps.b.outputs.nah)"]}`,
			sampleOutputs,
			[]string{
				`/a/0: malformed reference "$(steps.a.output.x)": want $(steps.<step>.outputs.<key>) with <step> a DNS-1123 label and <key> an identifier`,
				`/a/1: step "gone" has no outputs recorded, so output "k" is unavailable`,
				`/a/1: step "b" has no output "nah" (it has: name)`,
				`/z: step "a" has no output "nope" (it has: count, empty, huge, list, max, none, obj, quoted, uni, url, yes)`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resolve([]byte(tt.inputs), tt.outputs)
			if got != nil {
				t.Errorf("Resolve returned output along with an error: %s", got)
			}
			var msgs []string
			for _, e := range unjoin(err) {
				msgs = append(msgs, e.Error())
			}
			if diff := cmp.Diff(tt.want, msgs); diff != "" {
				t.Errorf("errors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMissingOutputErrorCarriesTheFacts(t *testing.T) {
	_, err := Resolve([]byte(`{"r":"$(steps.b.outputs.count)"}`), sampleOutputs)
	want := []error{&MissingOutputError{Pointer: "/r", Step: "b", Key: "count", StepHasOutputs: true, Available: []string{"name"}}}
	if diff := cmp.Diff(want, unjoin(err)); diff != "" {
		t.Errorf("errors mismatch (-want +got):\n%s", diff)
	}
}
