package main

import (
	corev1 "k8s.io/api/core/v1"
	"testing"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := sb.NewNode(t, corev1.NodeSpec{})
	actiontesting.EveryInputMode(t, func(t *testing.T, opts ...actiontest.Option) actiontest.Result {
		return runAction(t, sb, map[string]any{"node": node.Name, "key": "k", "value": "v", "effect": "NoSchedule", "dryRun": true}, opts...)
	}, func(t *testing.T, r actiontest.Result) {
		actiontesting.DiffOutputs(t, map[string]any{
			"node": node.Name, "taint": "k=v:NoSchedule", "replaced": "", "previousTaints": []any{notReady},
			"taints": []any{notReady, "k=v:NoSchedule"}, "changed": true, "dryRun": true,
		}, r)
	})
}

func TestInputsTheContractRefusesFailBeforeConnecting(t *testing.T) {
	tests := []actiontesting.Refused{
		{Name: "no inputs at all", Inputs: nil, Want: "/node: required input is missing"},
		{Name: "no effect", Inputs: map[string]any{"node": "n1", "key": "k"}, Want: "/effect: required input is missing"},
		{Name: "an unknown effect", Inputs: map[string]any{"node": "n1", "key": "k", "effect": "NoEntry"}, Want: "/effect"},
		{Name: "a key that is no qualified name", Inputs: map[string]any{"node": "n1", "key": "a b", "effect": "NoSchedule"}, Want: "/key"},
		{Name: "a value that is no label value", Inputs: map[string]any{"node": "n1", "key": "k", "value": "a=b", "effect": "NoSchedule"}, Want: "/value"},
	}
	actiontesting.InputsAreRefused(t, func(t *testing.T, inputs map[string]any) actiontest.Result {
		return actiontesting.Run(t, contractFile, tainter{kube: actiontesting.NoCluster(t)}.run, inputs)
	}, tests)
}

func TestWithoutAContractTheActionChecksTheEffectItself(t *testing.T) {
	r := actiontest.Run(t, tainter{kube: actiontesting.NoCluster(t)}.run, map[string]any{"node": "n1", "key": "k", "effect": "NoEntry"})

	actiontesting.MustFail(t, r, action.ExitActionFailed, `input "effect" "NoEntry" must be one of`)
}
