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
	node := sb.NewNode(t, corev1.NodeSpec{Taints: []corev1.Taint{maintenance}})
	actiontesting.EveryInputMode(t, func(t *testing.T, opts ...actiontest.Option) actiontest.Result {
		return runAction(t, sb, map[string]any{"node": node.Name, "key": "maintenance", "dryRun": true}, opts...)
	}, func(t *testing.T, r actiontest.Result) {
		actiontesting.DiffOutputs(t, map[string]any{
			"node": node.Name, "removed": []any{"maintenance:NoSchedule"},
			"previousTaints": []any{"maintenance:NoSchedule", notReady}, "taints": []any{notReady},
			"changed": true, "dryRun": true,
		}, r)
	})
}

func TestInputsTheContractRefusesFailBeforeConnecting(t *testing.T) {
	tests := []actiontesting.Refused{
		{Name: "no inputs at all", Inputs: nil, Want: "/node: required input is missing"},
		{Name: "no key", Inputs: map[string]any{"node": "n1"}, Want: "/key: required input is missing"},
		{Name: "an unknown effect", Inputs: map[string]any{"node": "n1", "key": "k", "effect": "NoEntry"}, Want: "/effect"},
		{Name: "a key that is no qualified name", Inputs: map[string]any{"node": "n1", "key": "a b"}, Want: "/key"},
	}
	actiontesting.InputsAreRefused(t, func(t *testing.T, inputs map[string]any) actiontest.Result {
		return actiontesting.Run(t, contractFile, untainter{kube: actiontesting.NoCluster(t)}.run, inputs)
	}, tests)
}

func TestWithoutAContractTheActionChecksTheEffectItself(t *testing.T) {
	r := actiontest.Run(t, untainter{kube: actiontesting.NoCluster(t)}.run, map[string]any{"node": "n1", "key": "k", "effect": "NoEntry"})

	actiontesting.MustFail(t, r, action.ExitActionFailed, `input "effect" "NoEntry" must be one of`)
}
