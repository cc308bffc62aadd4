package action_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// trickyUpstream holds the outputs of step a with values that text substitution breaks: quotes,
// backslashes, newlines, unicode, an integer beyond 2^53, a nested object holding text that
// looks like a reference, and a "$" written as the escape the SDK's result file uses.
const trickyUpstream = `{"a":{"quote":"say \"hi\"","back":"c:\\dir\\","nl":"line1\nline2\ttab","uni":"héllo ✓ \ud83d\ude00",` +
	`"big":9007199254740993,"obj":{"x":[1,{"y":"$(steps.b.outputs.z)"}],"n":null},"cost":"\u0024(x) $5"}}`

func TestUpstreamOutputsResolveReferencesWithEveryValueIntact(t *testing.T) {
	inputs := `{"q":"$(steps.a.outputs.quote)","b":"$(steps.a.outputs.back)","n":"$(steps.a.outputs.nl)",` +
		`"u":"$(steps.a.outputs.uni)","big":"$(steps.a.outputs.big)","o":"$(steps.a.outputs.obj)",` +
		`"c":"\u0024(steps.a.outputs.cost)","e":"<$(steps.a.outputs.quote)|$(steps.a.outputs.big)|$(steps.a.outputs.obj)>",` +
		`"plain":"$5 \u0024(context.taskRun.name)"}`
	r := actiontest.Run(t, echoInputs, nil, actiontest.WithRawInputs(inputs),
		actiontest.WithEnv(action.EnvUpstreamOutputs, trickyUpstream))
	if r.ExitCode != action.ExitSuccess {
		t.Fatalf("exit %d: %s", r.ExitCode, r.Stderr)
	}
	want := map[string]any{
		"q": `say "hi"`, "b": `c:\dir\`, "n": "line1\nline2\ttab", "u": "héllo ✓ 😀",
		"big": json.Number("9007199254740993"),
		"o":   map[string]any{"x": []any{json.Number("1"), map[string]any{"y": "$(steps.b.outputs.z)"}}, "n": nil},
		"c":   "$(x) $5",
		// An embedded object reads as the Job engine stores it: keys sorted by encoding/json.
		"e":     `<say "hi"|9007199254740993|{"n":null,"x":[1,{"y":"$(steps.b.outputs.z)"}]}>`,
		"plain": "$5 $(context.taskRun.name)",
	}
	if diff := cmp.Diff(want, r.Outputs); diff != "" {
		t.Errorf("inputs seen by the action (-want +got):\n%s", diff)
	}
}

func TestReferencesAreResolvedBeforeTheContractValidatesAndDefaults(t *testing.T) {
	r := actiontest.Run(t, echoInputs, nil,
		actiontest.WithRawInputs(`{"deployment":"$(steps.a.outputs.name)"}`),
		actiontest.WithEnv(action.EnvUpstreamOutputs, `{"a":{"name":"web","count":5}}`),
		actiontest.WithContractYAML(scaleContract))
	if r.ExitCode != action.ExitSuccess {
		t.Fatalf("exit %d: %s", r.ExitCode, r.Stderr)
	}
	if diff := cmp.Diff(actiontest.Normalize(t, map[string]any{"deployment": "web", "replicas": 2}), r.Outputs); diff != "" {
		t.Errorf("inputs seen by the action (-want +got):\n%s", diff)
	}

	r = actiontest.Run(t, echoInputs, nil,
		actiontest.WithRawInputs(`{"deployment":"web","replicas":"$(steps.a.outputs.count)"}`),
		actiontest.WithEnv(action.EnvUpstreamOutputs, `{"a":{"name":"web","count":5}}`),
		actiontest.WithContractYAML(scaleContract))
	if r.ExitCode != action.ExitSuccess {
		t.Fatalf("a whole-string reference to a number must satisfy an integer input; exit %d: %s", r.ExitCode, r.Stderr)
	}
	if diff := cmp.Diff(actiontest.Normalize(t, map[string]any{"deployment": "web", "replicas": 5}), r.Outputs); diff != "" {
		t.Errorf("inputs seen by the action (-want +got):\n%s", diff)
	}
}

func TestWithoutUpstreamOutputsReferencesReachTheActionUnchanged(t *testing.T) {
	for name, opts := range map[string][]actiontest.Option{
		"unset": nil,
		"empty": {actiontest.WithEnv(action.EnvUpstreamOutputs, "")},
	} {
		t.Run("ACTION_UPSTREAM_OUTPUTS "+name+" leaves references as text", func(t *testing.T) {
			opts := append(opts, actiontest.WithRawInputs(`{"r":"$(steps.a.outputs.x)","s":"x $(steps.b.outputs.y)"}`))
			r := actiontest.Run(t, echoInputs, nil, opts...)
			if r.ExitCode != action.ExitSuccess {
				t.Fatalf("exit %d: %s", r.ExitCode, r.Stderr)
			}
			want := map[string]any{"r": "$(steps.a.outputs.x)", "s": "x $(steps.b.outputs.y)"}
			if diff := cmp.Diff(want, r.Outputs); diff != "" {
				t.Errorf("inputs seen by the action (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnresolvableReferencesExitWithTheInputErrorCode(t *testing.T) {
	upstream := func(doc string) actiontest.Option { return actiontest.WithEnv(action.EnvUpstreamOutputs, doc) }
	raw := actiontest.WithRawInputs
	runFailureCases(t, []failureCase{
		{"a reference to a step without outputs names the reference", echoInputs, nil,
			[]actiontest.Option{raw(`{"r":"$(steps.b.outputs.x)"}`), upstream(`{"a":{"x":1}}`)}, action.ExitInputError,
			`/r: step "b" has no outputs recorded, so output "x" is unavailable`},
		{"a reference to a missing key lists the step's outputs", echoInputs, nil,
			[]actiontest.Option{raw(`{"r":"n=$(steps.a.outputs.nope)"}`), upstream(`{"a":{"x":1,"y":2}}`)}, action.ExitInputError,
			`/r: step "a" has no output "nope" (it has: x, y)`},
		{"an empty upstream object resolves nothing", echoInputs, nil,
			[]actiontest.Option{raw(`{"r":"$(steps.a.outputs.x)"}`), upstream(`{}`)}, action.ExitInputError,
			"cannot be resolved from ACTION_UPSTREAM_OUTPUTS (outputs of no step)"},
		{"malformed upstream JSON is an input error", echoInputs, nil,
			[]actiontest.Option{raw(`{"r":"$(steps.a.outputs.x)"}`), upstream(`{"a":`)}, action.ExitInputError,
			"malformed ACTION_UPSTREAM_OUTPUTS: not valid JSON"},
		{"a step's outputs that are not an object are an input error", echoInputs, nil,
			[]actiontest.Option{raw(`{}`), upstream(`{"a":[1]}`)}, action.ExitInputError,
			`malformed ACTION_UPSTREAM_OUTPUTS: the outputs of step "a": want a JSON object, got an array`},
		{"null outputs are not an empty object", echoInputs, nil,
			[]actiontest.Option{raw(`{}`), upstream(`{"a":null}`)}, action.ExitInputError,
			`the outputs of step "a": want a JSON object, got null`},
		{"a malformed reference is an input error", echoInputs, nil,
			[]actiontest.Option{raw(`{"r":"$(steps.a.output.x)"}`), upstream(`{"a":{"x":1}}`)}, action.ExitInputError,
			`/r: malformed reference "$(steps.a.output.x)"`},
	})
}

func TestTheOutputsResultWritesDollarAsAnEscapeTektonCannotSubstitute(t *testing.T) {
	dir := t.TempDir()
	out := action.Outputs{"m": "$(context.taskRun.name) costs $5", "n": 1}
	r := actiontest.Run(t, returning(out, nil), nil, actiontest.WithEnv(action.EnvResultsDir, dir))
	if r.ExitCode != action.ExitSuccess {
		t.Fatalf("exit %d: %s", r.ExitCode, r.Stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, action.ResultOutputs))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"m":"\u0024(context.taskRun.name) costs \u00245","n":1}`; string(data) != want {
		t.Errorf("outputs result %s, want %s", data, want)
	}
	fromResult, err := action.ParseOutputs(data)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r.Outputs, fromResult); diff != "" {
		t.Errorf("the outputs result decodes differently from the output line (-line +result):\n%s", diff)
	}
}

// FuzzUpstreamOutputs checks that no inputs and upstream document make the runtime panic or
// succeed with anything but a JSON object, and that inputs without "$(steps." are unchanged.
func FuzzUpstreamOutputs(f *testing.F) {
	f.Add(`{"r":"$(steps.a.outputs.x)"}`, `{"a":{"x":"\"q\"\n"}}`)
	f.Add(`{"r":"x $(steps.a.outputs.x) y"}`, `{"a":{"x":{"k":[1,2]}}}`)
	f.Add(`{"r":1}`, `{"a":`)
	f.Add(`{"r":"\u0024(steps.a.outputs.x)"}`, `{"a":{"x":9007199254740993}}`)
	f.Fuzz(func(t *testing.T, inputs, upstream string) {
		var stdout bytes.Buffer
		code := action.Run(t.Context(), echoInputs, action.Env{
			Getenv: func(k string) string {
				return map[string]string{action.EnvInputs: inputs, action.EnvUpstreamOutputs: upstream}[k]
			},
			Stdout: &stdout,
		})
		if code != action.ExitSuccess {
			return
		}
		got, err := action.ParseOutputs(stdout.Bytes())
		if err != nil {
			t.Fatalf("success without an output object: %v", err)
		}
		want, err := action.ParseOutputs([]byte(inputs))
		if err == nil && !strings.Contains(fmt.Sprint(want), "$(steps.") {
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("inputs without references changed (-want +got):\n%s", diff)
			}
		}
	})
}
