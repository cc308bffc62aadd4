package actiontesting

import (
	"context"
	"testing"

	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// greetContract is the smallest contract with a required, bounded input and one output.
const greetContract = `apiVersion: kubernaut.ai/v1alpha1
kind: ActionContract
metadata: {name: greet, version: v1.0.0}
spec:
  description: Greets someone.
  inputs:
    - {name: who, type: string, required: true, pattern: "^[a-z]+$", description: Whom to greet.}
  outputs:
    - {name: greeting, type: string, description: The greeting.}
  resources:
    requests: {cpu: 10m, memory: 16Mi}
    limits: {cpu: 100m, memory: 32Mi}
  rbac: {permissions: []}
  securityContext:
    runAsNonRoot: true
    allowPrivilegeEscalation: false
    readOnlyRootFilesystem: true
    capabilities: {drop: [ALL]}
    seccompProfile: {type: RuntimeDefault}
`

func greet(_ context.Context, in *action.Inputs) (action.Outputs, error) {
	who, err := in.StringOr("who", "")
	if err != nil {
		return nil, err
	}
	return action.Outputs{"greeting": "hello " + who}, nil
}

func runGreet(t *testing.T, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	return actiontest.Run(t, greet, inputs, append([]actiontest.Option{actiontest.WithContractYAML(greetContract)}, opts...)...)
}

func TestEveryInputModeRunsTheActionOncePerModeAndChecksEachRun(t *testing.T) {
	runs := 0
	EveryInputMode(t, func(t *testing.T, opts ...actiontest.Option) actiontest.Result {
		runs++
		return runGreet(t, map[string]any{"who": "ops"}, opts...)
	}, func(t *testing.T, r actiontest.Result) {
		DiffOutputs(t, map[string]any{"greeting": "hello ops"}, r)
	})

	if runs != 3 {
		t.Errorf("the action ran %d times, want 3 (ACTION_INPUTS, ACTION_INPUTS_FILE, standard input)", runs)
	}
}

func TestInputsAreRefusedExpectsExitCode2AndTheReason(t *testing.T) {
	InputsAreRefused(t, func(t *testing.T, inputs map[string]any) actiontest.Result {
		return runGreet(t, inputs)
	}, []Refused{
		{Name: "no inputs at all", Inputs: nil, Want: "/who: required input is missing"},
		{Name: "a misspelt input", Inputs: map[string]any{"who": "ops", "whom": "x"}, Want: "/whom: unknown input"},
		{Name: "a value the pattern refuses", Inputs: map[string]any{"who": "Ops!"}, Want: "/who"},
	})
}

func TestMustFailAcceptsTheExitCodeAndMessageItWasGiven(t *testing.T) {
	r := actiontest.Result{ExitCode: action.ExitActionFailed, Stderr: "deployment shop/web not found: check the inputs\n"}

	MustFail(t, r, action.ExitActionFailed, "deployment shop/web not found")
}

func TestNoClusterFailsTheTestWhenTheActionConnects(t *testing.T) {
	probe := &testing.T{}
	env := NoCluster(probe)

	ns, err := env.PodNamespace()
	if err != nil || ns != "workflows" {
		t.Errorf("PodNamespace() = %q, %v; want workflows", ns, err)
	}
	if _, err := env.NewClient(); err == nil {
		t.Error("NewClient() succeeded; it must fail")
	}
	if !probe.Failed() {
		t.Error("connecting did not fail the test it belongs to")
	}
}
