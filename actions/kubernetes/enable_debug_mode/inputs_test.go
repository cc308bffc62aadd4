package main

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newDeployment(t, sb, "web", []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "info"}})
	actiontesting.EveryInputMode(t, func(t *testing.T, opts ...actiontest.Option) actiontest.Result {
		return runAction(t, sb, map[string]any{"deployment": "web", "env": map[string]any{"LOG_LEVEL": "debug", "TRACE": "1"}, "dryRun": true}, opts...)
	}, func(t *testing.T, r actiontest.Result) {
		actiontesting.DiffOutputs(t, map[string]any{
			"deployment": "web", "namespace": sb.Namespace, "container": "app",
			"previousEnv": map[string]any{"LOG_LEVEL": "info", "TRACE": nil}, "env": map[string]any{"LOG_LEVEL": "debug", "TRACE": "1"},
			"enabled": true, "changed": true, "previousRevision": 1, "revision": 1,
			"updatedReplicas": 0, "availableReplicas": 0, "dryRun": true,
		}, r)
	})
}

func TestInputsTheContractRefusesFailBeforeConnecting(t *testing.T) {
	tests := []actiontesting.Refused{
		{Name: "no inputs at all", Inputs: nil, Want: "/deployment: required input is missing"},
		{Name: "env as a string", Inputs: map[string]any{"deployment": "web", "env": "LOG_LEVEL=debug"}, Want: "/env"},
		{Name: "a container name with capitals", Inputs: map[string]any{"deployment": "web", "container": "App"}, Want: "/container"},
		{Name: "a misspelt input", Inputs: map[string]any{"deployment": "web", "disabled": true}, Want: "/disabled: unknown input"},
	}
	actiontesting.InputsAreRefused(t, func(t *testing.T, inputs map[string]any) actiontest.Result {
		return actiontesting.Run(t, contractFile, debugger{kube: actiontesting.NoCluster(t)}.run, inputs)
	}, tests)
}

func TestVariablesTheAPIServerWouldRefuseFailBeforeConnecting(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]any
		want string
	}{
		{"a name with a space", map[string]any{"LOG LEVEL": "debug"}, `input "env": "LOG LEVEL" is not a valid variable name`},
		{"a name with an equals sign", map[string]any{"A=B": "x"}, `input "env": "A=B" is not a valid variable name`},
		{"a number as the value", map[string]any{"VERBOSITY": 3}, `input "env": the value of VERBOSITY must be a string, got 3; quote it`},
		{"no variable at all", map[string]any{}, `input "env" is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := actiontesting.Run(t, contractFile, debugger{kube: actiontesting.NoCluster(t)}.run, map[string]any{"deployment": "web", "env": tt.env})

			actiontesting.MustFail(t, r, action.ExitActionFailed, tt.want)
		})
	}
}
