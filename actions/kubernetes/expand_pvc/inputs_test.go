package main

import (
	"testing"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	class := newStorageClass(t, sb, true)
	newClaim(t, sb, "data", class, "1Gi", true)
	actiontesting.EveryInputMode(t, func(t *testing.T, opts ...actiontest.Option) actiontest.Result {
		return runAction(t, sb, map[string]any{"pvc": "data", "size": "2Gi", "dryRun": true}, opts...)
	}, func(t *testing.T, r actiontest.Result) {
		actiontesting.DiffOutputs(t, map[string]any{
			"pvc": "data", "namespace": sb.Namespace, "storageClass": class, "previousSize": "1Gi", "size": "2Gi",
			"capacity": "1Gi", "changed": true, "dryRun": true,
		}, r)
	})
}

func TestInputsTheContractRefusesFailBeforeConnecting(t *testing.T) {
	tests := []actiontesting.Refused{
		{Name: "no inputs at all", Inputs: nil, Want: "/pvc: required input is missing"},
		{Name: "no size", Inputs: map[string]any{"pvc": "data"}, Want: "/size: required input is missing"},
		{Name: "a size that is no quantity", Inputs: map[string]any{"pvc": "data", "size": "big"}, Want: "/size"},
		{Name: "a negative size", Inputs: map[string]any{"pvc": "data", "size": "-1Gi"}, Want: "/size"},
		{Name: "a size as a number", Inputs: map[string]any{"pvc": "data", "size": 20}, Want: "/size"},
	}
	actiontesting.InputsAreRefused(t, func(t *testing.T, inputs map[string]any) actiontest.Result {
		return actiontesting.Run(t, contractFile, expander{kube: actiontesting.NoCluster(t)}.run, inputs)
	}, tests)
}

func TestWithoutAContractTheActionChecksTheSizeItself(t *testing.T) {
	r := actiontest.Run(t, expander{kube: actiontesting.NoCluster(t)}.run, map[string]any{"pvc": "data", "size": "0"})

	actiontesting.MustFail(t, r, action.ExitActionFailed, `input "size" "0" must be a positive quantity`)
}
