package actiontest_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

const greetContract = `apiVersion: kubernaut.ai/v1alpha1
kind: ActionContract
metadata:
  name: greet
  version: v1.0.0
spec:
  inputs:
    - name: name
      type: string
      default: world
  outputs:
    - name: greeting
      type: string
    - name: length
      type: integer
  rbac:
    permissions: []
`

func greet(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	name, err := in.StringOr("name", "nobody")
	if err != nil {
		return nil, err
	}
	action.Logf(ctx, "greeting %s", name)
	return action.Outputs{"greeting": "hello " + name, "length": len(name)}, nil
}

func TestRunReportsOutputsStreamsAndExitCode(t *testing.T) {
	r := actiontest.Run(t, greet, map[string]any{"name": "kube"})
	want := actiontest.Result{
		Outputs:  map[string]any{"greeting": "hello kube", "length": json.Number("4")},
		Stdout:   `{"greeting":"hello kube","length":4}` + "\n",
		Stderr:   "greeting kube\n",
		ExitCode: action.ExitSuccess,
	}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
}

func TestAFailedRunHasNoOutputs(t *testing.T) {
	r := actiontest.Run(t, func(context.Context, *action.Inputs) (action.Outputs, error) {
		return action.Outputs{"partial": true}, errors.New("registry unreachable")
	}, nil)
	want := actiontest.Result{Stderr: "action failed: registry unreachable\n", ExitCode: action.ExitActionFailed}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
}

func TestContractOptionsApplyTheContract(t *testing.T) {
	path := filepath.Join(t.TempDir(), "contract.yaml")
	if err := os.WriteFile(path, []byte(greetContract), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, opt := range map[string]actiontest.Option{
		"WithContractFile": actiontest.WithContractFile(path),
		"WithContractYAML": actiontest.WithContractYAML(greetContract),
	} {
		t.Run(name+" defaults a missing input from the contract", func(t *testing.T) {
			r := actiontest.Run(t, greet, nil, opt)
			if got := r.Outputs["greeting"]; got != "hello world" {
				t.Errorf("greeting %v, want the contract default to apply; stderr:\n%s", got, r.Stderr)
			}
		})
	}
}

func TestEveryInputModeIsAvailable(t *testing.T) {
	for _, mode := range []actiontest.InputMode{actiontest.ViaEnv, actiontest.ViaFile, actiontest.ViaStdin} {
		r := actiontest.Run(t, greet, map[string]any{"name": "kube"}, actiontest.WithInputMode(mode))
		if r.Outputs["greeting"] != "hello kube" {
			t.Errorf("mode %d: outputs %v, stderr %q", mode, r.Outputs, r.Stderr)
		}
	}
	r := actiontest.Run(t, greet, map[string]any{"name": "kube"}, actiontest.WithInputMode(actiontest.NoInputs))
	if r.ExitCode != action.ExitInputError || !strings.Contains(r.Stderr, "no inputs") {
		t.Errorf("NoInputs: exit %d, stderr %q; want %d and no inputs", r.ExitCode, r.Stderr, action.ExitInputError)
	}
}

func TestRunIgnoresTheProcessEnvironment(t *testing.T) {
	t.Setenv(action.EnvInputs, `{"name":"from the process"}`)
	r := actiontest.Run(t, greet, nil, actiontest.WithInputMode(actiontest.NoInputs))
	if r.ExitCode != action.ExitInputError {
		t.Errorf("exit %d, want %d: the run read the process's %s", r.ExitCode, action.ExitInputError, action.EnvInputs)
	}
}

func TestRawInputsArePassedVerbatim(t *testing.T) {
	r := actiontest.Run(t, greet, nil, actiontest.WithRawInputs(`{"name":"raw"}`))
	if r.Outputs["greeting"] != "hello raw" {
		t.Errorf("outputs %v, want the raw inputs to be used; stderr %q", r.Outputs, r.Stderr)
	}
}

func TestWithContextPassesTheContextToTheAction(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	r := actiontest.Run(t, func(ctx context.Context, _ *action.Inputs) (action.Outputs, error) {
		return nil, ctx.Err()
	}, nil, actiontest.WithContext(ctx))
	if r.ExitCode != action.ExitActionFailed || !strings.Contains(r.Stderr, "context canceled") {
		t.Errorf("exit %d, stderr %q; want the canceled context to reach the action", r.ExitCode, r.Stderr)
	}
}

func TestNormalizeGivesValuesTheTypesOfParsedOutputs(t *testing.T) {
	got := actiontest.Normalize(t, map[string]any{"n": 3, "list": []string{"a"}, "f": 1.5})
	want := map[string]any{"n": json.Number("3"), "list": []any{"a"}, "f": json.Number("1.5")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Normalize (-want +got):\n%s", diff)
	}
}
