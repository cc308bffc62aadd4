package main

import (
	"testing"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	sb.NewDeployment(t, "web", 2)
	actiontesting.EveryInputMode(t, func(t *testing.T, opts ...actiontest.Option) actiontest.Result {
		return runAction(t, sb, map[string]any{"deployment": "web", "replicas": 5, "dryRun": true}, opts...)
	}, func(t *testing.T, r actiontest.Result) {
		actiontesting.DiffOutputs(t, map[string]any{
			"deployment": "web", "namespace": sb.Namespace, "previousReplicas": 2, "replicas": 5,
			"actualReplicas": 0, "changed": true, "dryRun": true,
		}, r)
	})
}

func TestInputsTheContractRefusesFailBeforeConnecting(t *testing.T) {
	tests := []actiontesting.Refused{
		{Name: "no inputs at all", Inputs: nil, Want: "/deployment: required input is missing"},
		{Name: "too many replicas", Inputs: map[string]any{"deployment": "web", "replicas": 1001}, Want: "/replicas: must be at most 1000"},
		{Name: "negative replicas", Inputs: map[string]any{"deployment": "web", "replicas": -1}, Want: "/replicas: must be at least 0"},
		{Name: "fractional replicas", Inputs: map[string]any{"deployment": "web", "replicas": 1.5}, Want: "/replicas"},
		{Name: "a namespace that is no name", Inputs: map[string]any{"deployment": "web", "replicas": 1, "namespace": "Shop_1"}, Want: "/namespace"},
		{Name: "a misspelt input", Inputs: map[string]any{"deployment": "web", "replica": 1}, Want: "/replica: unknown input"},
		{Name: "a deployment name with a slash", Inputs: map[string]any{"deployment": "a/b", "replicas": 1}, Want: "/deployment"},
	}
	actiontesting.InputsAreRefused(t, func(t *testing.T, inputs map[string]any) actiontest.Result {
		return actiontesting.Run(t, contractFile, scaler{kube: actiontesting.NoCluster(t)}.run, inputs)
	}, tests)
}

func TestWithoutAContractTheActionChecksTheReplicasItself(t *testing.T) {
	r := actiontest.Run(t, scaler{kube: actiontesting.NoCluster(t)}.run, map[string]any{"deployment": "web", "replicas": 5000})

	actiontesting.MustFail(t, r, action.ExitActionFailed, `input "replicas" must be between 0 and 1000, got 5000`)
}
