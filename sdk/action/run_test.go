package action_test

import (
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

// scaleContract declares a required string and an integer with a default, and the same two as
// outputs (so echoInputs may return them) plus one more.
const scaleContract = `apiVersion: kubernaut.ai/v1alpha1
kind: ActionContract
metadata:
  name: scale
  version: v0.1.0
spec:
  inputs:
    - name: deployment
      type: string
      required: true
    - name: replicas
      type: integer
      default: 2
  outputs:
    - name: deployment
      type: string
    - name: replicas
      type: integer
    - name: previousReplicas
      type: integer
  rbac:
    permissions: []
`

// echoInputs returns its inputs as outputs, so a test sees exactly what the action saw.
func echoInputs(_ context.Context, in *action.Inputs) (action.Outputs, error) {
	return in.Map(), nil
}

// returning is an action that returns out and err.
func returning(out action.Outputs, err error) action.Func {
	return func(context.Context, *action.Inputs) (action.Outputs, error) { return out, err }
}

func TestEveryInputModeDeliversTheSameInputs(t *testing.T) {
	inputs := map[string]any{"deployment": "web", "replicas": 3, "labels": map[string]any{"a": "b"}}
	for name, mode := range map[string]actiontest.InputMode{
		"ACTION_INPUTS": actiontest.ViaEnv, "ACTION_INPUTS_FILE": actiontest.ViaFile, "stdin": actiontest.ViaStdin,
	} {
		t.Run("inputs passed via "+name+" reach the action", func(t *testing.T) {
			r := actiontest.Run(t, echoInputs, inputs, actiontest.WithInputMode(mode))
			if r.ExitCode != action.ExitSuccess {
				t.Fatalf("exit %d: %s", r.ExitCode, r.Stderr)
			}
			if diff := cmp.Diff(actiontest.Normalize(t, inputs), r.Outputs); diff != "" {
				t.Errorf("inputs seen by the action (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTheContractDefaultsInputsBeforeTheActionRuns(t *testing.T) {
	r := actiontest.Run(t, echoInputs, map[string]any{"deployment": "web"},
		actiontest.WithContractYAML(scaleContract))
	if r.ExitCode != action.ExitSuccess {
		t.Fatalf("exit %d: %s", r.ExitCode, r.Stderr)
	}
	want := actiontest.Normalize(t, map[string]any{"deployment": "web", "replicas": 2})
	if diff := cmp.Diff(want, r.Outputs); diff != "" {
		t.Errorf("inputs seen by the action (-want +got):\n%s", diff)
	}
}

// failureCase is one run that must fail with a documented exit code and message.
type failureCase struct {
	name     string
	fn       action.Func
	inputs   map[string]any
	opts     []actiontest.Option
	wantCode int
	wantMsg  string
}

func runFailureCases(t *testing.T, tests []failureCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := actiontest.Run(t, tt.fn, tt.inputs, tt.opts...)
			if r.ExitCode != tt.wantCode {
				t.Errorf("exit code %d, want %d; stderr:\n%s", r.ExitCode, tt.wantCode, r.Stderr)
			}
			if !strings.Contains(r.Stderr, tt.wantMsg) {
				t.Errorf("stderr does not contain %q:\n%s", tt.wantMsg, r.Stderr)
			}
		})
	}
}

func TestInputProblemsExitWithTheInputErrorCode(t *testing.T) {
	runFailureCases(t, []failureCase{
		{"no inputs and a terminal stdin name all three sources", echoInputs, nil,
			[]actiontest.Option{actiontest.WithInputMode(actiontest.NoInputs)}, action.ExitInputError,
			"action input error: no inputs: set ACTION_INPUTS to a JSON object, or set ACTION_INPUTS_FILE"},
		{"an empty stdin is not an empty object", echoInputs, nil,
			[]actiontest.Option{actiontest.WithInputMode(actiontest.ViaStdin), actiontest.WithRawInputs("")},
			action.ExitInputError, "inputs from standard input are empty"},
		{"null is not an object", echoInputs, nil, []actiontest.Option{actiontest.WithRawInputs("null")},
			action.ExitInputError, "inputs from ACTION_INPUTS: want a JSON object, got null"},
		{"a second document after the object is refused", echoInputs, nil,
			[]actiontest.Option{actiontest.WithInputMode(actiontest.ViaFile), actiontest.WithRawInputs(`{} {}`)},
			action.ExitInputError, "more data after the first JSON value"},
		{"inputs over the size limit are refused", echoInputs, nil,
			[]actiontest.Option{actiontest.WithRawInputs(`{"a":"` + strings.Repeat("x", action.MaxInputBytes) + `"}`)},
			action.ExitInputError, "more than the 1048576-byte limit"},
		{"an inputs file that does not exist is named", echoInputs, nil,
			[]actiontest.Option{actiontest.WithInputMode(actiontest.NoInputs),
				actiontest.WithEnv(action.EnvInputsFile, "/nonexistent/inputs.json")},
			action.ExitInputError, "inputs from ACTION_INPUTS_FILE: open /nonexistent/inputs.json"},
		{"inputs the contract rejects name the input", echoInputs, map[string]any{"replicas": 1},
			[]actiontest.Option{actiontest.WithContractYAML(scaleContract)}, action.ExitInputError,
			"inputs do not match contract scale v0.1.0:\n/deployment"},
		{"a contract file that does not exist is an error, not no contract", echoInputs, nil,
			[]actiontest.Option{actiontest.WithContractFile("/nonexistent/contract.yaml")}, action.ExitInputError,
			"reading the contract named by ACTION_CONTRACT_PATH: open /nonexistent/contract.yaml"},
		{"a malformed contract is an error", echoInputs, nil,
			[]actiontest.Option{actiontest.WithContractYAML("kind: [")}, action.ExitInputError, "is invalid"},
	})
}

func TestActionAndOutputProblemsExitWithTheirCodes(t *testing.T) {
	runFailureCases(t, []failureCase{
		{"an error from the action is a failure", returning(nil, errors.New("deployment web not found")), nil, nil,
			action.ExitActionFailed, "action failed: deployment web not found"},
		{"a panic in the action is a failure", func(context.Context, *action.Inputs) (action.Outputs, error) {
			var m map[string]int
			m["boom"]++
			return nil, nil
		}, nil, nil, action.ExitActionFailed, "action failed: panic: assignment to entry in nil map"},
		{"outputs JSON cannot encode are an output error", returning(action.Outputs{"x": math.Inf(1)}, nil), nil, nil,
			action.ExitOutputError, "action output error: outputs are not serialisable to JSON"},
		{"an output name that is no file name is an output error", returning(action.Outputs{"a/b": 1}, nil), nil, nil,
			action.ExitOutputError, `invalid output name "a/b"`},
		{"outputs the contract rejects are an output error",
			returning(action.Outputs{"previousReplicas": "three"}, nil), map[string]any{"deployment": "web"},
			[]actiontest.Option{actiontest.WithContractYAML(scaleContract)}, action.ExitOutputError,
			"outputs do not match contract scale v0.1.0:\n/previousReplicas"},
		{"an output the contract does not declare is an output error",
			returning(action.Outputs{"previousReplica": 1}, nil), map[string]any{"deployment": "web"},
			[]actiontest.Option{actiontest.WithContractYAML(scaleContract)}, action.ExitOutputError,
			"/previousReplica: undeclared output"},
		{"a results directory that cannot be written is an output error", returning(action.Outputs{"a": 1}, nil), nil,
			[]actiontest.Option{actiontest.WithEnv(action.EnvResultsDir, filepath.Join(t.TempDir(), "missing"))},
			action.ExitOutputError, `writing result "a" to ACTION_RESULTS_DIR`},
	})
}

func TestAFailedRunWritesNoOutputFiles(t *testing.T) {
	dir := t.TempDir()
	outputsPath := filepath.Join(dir, "outputs.json")
	resultsDir := filepath.Join(dir, "results")
	if err := os.Mkdir(resultsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	r := actiontest.Run(t, returning(action.Outputs{"previousReplicas": "three"}, nil),
		map[string]any{"deployment": "web"}, actiontest.WithContractYAML(scaleContract),
		actiontest.WithEnv(action.EnvOutputsPath, outputsPath), actiontest.WithEnv(action.EnvResultsDir, resultsDir))
	if r.ExitCode != action.ExitOutputError {
		t.Fatalf("exit %d, want %d: %s", r.ExitCode, action.ExitOutputError, r.Stderr)
	}
	if _, err := os.Stat(outputsPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s exists after a failed run (stat: %v)", outputsPath, err)
	}
	if files := readDir(t, resultsDir); len(files) != 0 {
		t.Errorf("the results directory holds %v after a failed run", files)
	}
}

func TestResultFilesHoldRawStringsAndJSONForOtherValues(t *testing.T) {
	dir := t.TempDir()
	out := action.Outputs{"name": "web", "count": 3, "ok": false, "quoted": `"x"`,
		"labels": map[string]string{"a": "b"}, "none": nil}
	r := actiontest.Run(t, returning(out, nil), nil, actiontest.WithEnv(action.EnvResultsDir, dir))
	if r.ExitCode != action.ExitSuccess {
		t.Fatalf("exit %d: %s", r.ExitCode, r.Stderr)
	}
	want := map[string]string{"name": "web", "count": "3", "ok": "false", "quoted": `"x"`,
		"labels": `{"a":"b"}`, "none": "null", "outputs": strings.TrimSuffix(r.Stdout, "\n")}
	if diff := cmp.Diff(want, readDir(t, dir)); diff != "" {
		t.Errorf("results directory (-want +got):\n%s", diff)
	}
}

func TestTheDefaultContractPathIsReadOnlyWhenTheFileExists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "action-contract.yaml")
	env := func(stdout io.Writer) action.Env {
		return action.Env{
			Getenv:              func(k string) string { return map[string]string{action.EnvInputs: `{"deployment":"web"}`}[k] },
			Stdout:              stdout,
			DefaultContractPath: path,
		}
	}
	var without strings.Builder
	if code := action.Run(t.Context(), echoInputs, env(&without)); code != action.ExitSuccess {
		t.Fatalf("without a contract file: exit %d, want 0", code)
	}
	if err := os.WriteFile(path, []byte(scaleContract), 0o600); err != nil {
		t.Fatal(err)
	}
	var with strings.Builder
	if code := action.Run(t.Context(), echoInputs, env(&with)); code != action.ExitSuccess {
		t.Fatalf("with a contract file: exit %d, want 0", code)
	}
	if diff := cmp.Diff(`{"deployment":"web"}`+"\n", without.String()); diff != "" {
		t.Errorf("without a contract (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(`{"deployment":"web","replicas":2}`+"\n", with.String()); diff != "" {
		t.Errorf("with the default contract (-want +got):\n%s", diff)
	}
}

func TestAContractInTheEnvIsUsedWithoutReadingFiles(t *testing.T) {
	c, err := contract.Parse([]byte(scaleContract))
	if err != nil {
		t.Fatal(err)
	}
	var stdout strings.Builder
	code := action.Run(t.Context(), echoInputs, action.Env{
		Getenv: func(k string) string {
			return map[string]string{action.EnvInputs: `{"deployment":"web"}`, action.EnvContractPath: "/nonexistent"}[k]
		},
		Stdout:   &stdout,
		Contract: c,
	})
	if code != action.ExitSuccess || stdout.String() != `{"deployment":"web","replicas":2}`+"\n" {
		t.Errorf("exit %d, stdout %q; want 0 and the defaulted inputs", code, stdout.String())
	}
}

func TestAZeroEnvReportsNoInputsInsteadOfPanicking(t *testing.T) {
	if code := action.Run(t.Context(), echoInputs, action.Env{}); code != action.ExitInputError {
		t.Errorf("exit %d, want %d", code, action.ExitInputError)
	}
}

func TestWaitingForStdinEndsWithTheContext(t *testing.T) {
	stdin, writer := io.Pipe() // nobody ever writes
	defer writer.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var stderr strings.Builder
	code := action.Run(ctx, echoInputs, action.Env{Stdin: stdin, Stderr: &stderr})
	if code != action.ExitInputError || !strings.Contains(stderr.String(), "context canceled") {
		t.Errorf("exit %d, stderr %q; want %d and the cancellation", code, stderr.String(), action.ExitInputError)
	}
}

func TestLogsOfTheActionGoToStderr(t *testing.T) {
	r := actiontest.Run(t, func(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
		action.Logf(ctx, "scaling %s", "web")
		action.Logger(ctx).Print("done")
		return nil, nil
	}, nil)
	if r.Stderr != "scaling web\ndone\n" {
		t.Errorf("stderr %q, want both log lines", r.Stderr)
	}
	if r.Stdout != "{}\n" {
		t.Errorf("stdout %q, want only the output line {}", r.Stdout)
	}
}
