package tekton

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/substitution"

	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/refs"
)

// trickyOutputs are outputs that text substitution breaks: quotes, backslashes, newlines,
// unicode, an integer beyond 2^53, nested objects, and text that looks like a Tekton variable
// or a reference.
var trickyOutputs = action.Outputs{
	"quote":   `say "hi" to O'Brien`,
	"back":    `C:\dir\ and \n (not a newline)`,
	"lines":   "line 1\nline 2\r\n\ttabbed",
	"unicode": "héllo ✓ 😀 \u2028",
	"big":     json.Number("9007199254740993"),
	"nested":  map[string]any{"list": []any{1, "two", nil, map[string]any{"deep": `"x"`}}},
	"vars":    "$(context.taskRun.name) $(params.inputs) $(steps.a.outputs.quote) $5",
}

// trickyInputs reference every output of step a, whole and inside longer strings, next to
// literal text that looks like Tekton variables.
const trickyInputs = `{"q":"$(steps.a.outputs.quote)","b":"$(steps.a.outputs.back)","l":"$(steps.a.outputs.lines)",` +
	`"u":"$(steps.a.outputs.unicode)","big":"$(steps.a.outputs.big)","n":"$(steps.a.outputs.nested)",` +
	`"v":"$(steps.a.outputs.vars)","mixed":"<$(steps.a.outputs.quote)|$(steps.a.outputs.big)|$(steps.a.outputs.nested)>",` +
	`"literal":"$(context.pipelineRun.name) $(tasks.a.results.outputs) $(params.image) $$"}`

// TestTrickyValuesCrossTektonIntact runs the text path of a value from step a to step b as
// Tekton v1.15.1 does it, with Tekton's own substitution code: step a's SDK writes its outputs
// result; Tekton substitutes the result into b's upstream param, then b's params and context
// variables into the step's environment; b's SDK resolves the references. What b's action sees
// must equal what it sees on the Job engine, whose controller resolves the references itself.
func TestTrickyValuesCrossTektonIntact(t *testing.T) {
	result, stdoutLine := runAction(t, nil, func(context.Context, *action.Inputs) (action.Outputs, error) {
		return trickyOutputs, nil
	})
	pr, err := PipelineRun(workflow("tricky", step("a", ""), step("b", trickyInputs, "a")))
	if err != nil {
		t.Fatal(err)
	}
	env := tektonEnvironment(t, pr, "b", result)
	_, seenOnTekton := runAction(t, env, echo)
	seenOnJobs := jobEngineInputs(t, trickyInputs, stdoutLine)
	if diff := cmp.Diff(string(seenOnJobs), string(seenOnTekton)); diff != "" {
		t.Errorf("inputs seen by step b (-Job engine +Tekton):\n%s", diff)
	}
	var seen map[string]any
	if err := json.Unmarshal(seenOnTekton, &seen); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]any{
		"q": trickyOutputs["quote"], "b": trickyOutputs["back"], "l": trickyOutputs["lines"], "u": trickyOutputs["unicode"],
		"v":       trickyOutputs["vars"],
		"literal": "$(context.pipelineRun.name) $(tasks.a.results.outputs) $(params.image) $$",
	} {
		if seen[key] != want {
			t.Errorf("input %s: got %q, want %q", key, seen[key], want)
		}
	}
	if !bytes.Contains(seenOnTekton, []byte(`"big":9007199254740993`)) {
		t.Errorf("the large integer lost precision or type: %s", seenOnTekton)
	}
}

// TestObservedOutputsAreEncodedAsTheJobEngineStoresThem reads step a's outputs result back
// through Observe: the bytes must equal the Job engine's status.outputs for the same output
// line (parsed with the SDK's rules and encoded with encoding/json), "$" included.
func TestObservedOutputsAreEncodedAsTheJobEngineStoresThem(t *testing.T) {
	result, stdoutLine := runAction(t, nil, func(context.Context, *action.Inputs) (action.Outputs, error) {
		return trickyOutputs, nil
	})
	tr := taskRun("tricky-a", "a", succeeded(), withResult(string(result)+"\n"))
	got := Observe(runningRun("tricky"), []pipelinev1.TaskRun{tr}, []string{"a"})[0]
	parsed, err := action.ParseOutputs(stdoutLine)
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(parsed)
	if err != nil {
		t.Fatal(err)
	}
	if got.Phase != "Completed" {
		t.Fatalf("phase %s (%s: %s), want Completed", got.Phase, got.Reason, got.Message)
	}
	if diff := cmp.Diff(string(want), string(got.Outputs)); diff != "" {
		t.Errorf("outputs (-Job engine +Tekton):\n%s", diff)
	}
}

// runAction runs fn through the SDK runtime with env (plus a results directory) and returns
// the outputs result file and the output line.
func runAction(t *testing.T, env map[string]string, fn action.Func) (result, line []byte) {
	t.Helper()
	dir := t.TempDir()
	vars := map[string]string{action.EnvInputs: "{}"}
	for k, v := range env {
		vars[k] = v
	}
	vars[action.EnvResultsDir] = dir // not the pod's /tekton/results
	var stdout, stderr bytes.Buffer
	code := action.Run(t.Context(), fn, action.Env{Getenv: func(k string) string { return vars[k] }, Stdout: &stdout, Stderr: &stderr})
	if code != action.ExitSuccess {
		t.Fatalf("the action exited %d: %s", code, stderr.String())
	}
	result, err := os.ReadFile(filepath.Join(dir, ResultOutputs))
	if err != nil {
		t.Fatal(err)
	}
	return result, bytes.TrimSuffix(stdout.Bytes(), []byte("\n"))
}

// echo returns its inputs as outputs, so the output line is what the action saw.
func echo(_ context.Context, in *action.Inputs) (action.Outputs, error) { return in.Map(), nil }

// tektonEnvironment is the environment of step's container after Tekton's substitutions:
// result references in the PipelineTask's params, then params and context variables in the
// meta-Task's step (each in a separate pass, as the reconcilers apply them).
func tektonEnvironment(t *testing.T, pr *pipelinev1.PipelineRun, step string, resultOfA []byte) map[string]string {
	t.Helper()
	var task *pipelinev1.PipelineTask
	for i := range pr.Spec.PipelineSpec.Tasks {
		if pr.Spec.PipelineSpec.Tasks[i].Name == step {
			task = &pr.Spec.PipelineSpec.Tasks[i]
		}
	}
	pipelineVars := map[string]string{
		"tasks.a.results." + ResultOutputs: string(resultOfA),
		"context.pipelineRun.name":         pr.Name,
	}
	params := map[string]string{}
	for _, p := range task.Params {
		params["params."+p.Name] = substitution.ApplyReplacements(p.Value.StringVal, pipelineVars)
	}
	contexts := map[string]string{
		"context.taskRun.name": pr.Name + "-" + step, "context.pipelineRun.name": pr.Name,
		"results." + ResultOutputs + ".path": "/tekton/results/" + ResultOutputs,
	}
	env := map[string]string{}
	for _, e := range task.TaskSpec.Steps[0].Env {
		env[e.Name] = substitution.ApplyReplacements(substitution.ApplyReplacements(e.Value, params), contexts)
	}
	if strings.Contains(env[action.EnvUpstreamOutputs], "$(") {
		t.Fatalf("a Tekton variable is left in the upstream outputs: %s", env[action.EnvUpstreamOutputs])
	}
	return env
}

// jobEngineInputs is what an action sees on the Job engine: the controller resolves the
// references (sdk/refs) from the stored outputs, and the SDK decodes the result; the echo
// action's output line is returned.
func jobEngineInputs(t *testing.T, inputs string, lineOfA []byte) []byte {
	t.Helper()
	parsed, err := action.ParseOutputs(lineOfA)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := json.Marshal(parsed) // the Job engine's status.outputs
	if err != nil {
		t.Fatal(err)
	}
	resolved, err := refs.Resolve([]byte(inputs), func(step string) (map[string]json.RawMessage, bool) {
		var out map[string]json.RawMessage
		return out, step == "a" && json.Unmarshal(stored, &out) == nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, line := runAction(t, map[string]string{action.EnvInputs: string(resolved)}, echo)
	return line
}
