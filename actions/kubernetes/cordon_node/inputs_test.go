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
	node := sb.NewNode(t, corev1.NodeSpec{Unschedulable: false})
	actiontesting.EveryInputMode(t, func(t *testing.T, opts ...actiontest.Option) actiontest.Result {
		return runAction(t, sb, map[string]any{"node": node.Name, "dryRun": true}, opts...)
	}, func(t *testing.T, r actiontest.Result) {
		actiontesting.DiffOutputs(t, map[string]any{
			"node": node.Name, "previousUnschedulable": false, "unschedulable": true, "changed": true, "dryRun": true,
		}, r)
	})
}

func TestInputsTheContractRefusesFailBeforeConnecting(t *testing.T) {
	tests := []actiontesting.Refused{
		{Name: "no inputs at all", Inputs: nil, Want: "/node: required input is missing"},
		{Name: "a node name with a slash", Inputs: map[string]any{"node": "a/b"}, Want: "/node"},
		{Name: "a misspelt input", Inputs: map[string]any{"nodes": "n1"}, Want: "/nodes: unknown input"},
		{Name: "a namespace, which a node has not", Inputs: map[string]any{"node": "n1", "namespace": "shop"}, Want: "/namespace: unknown input"},
	}
	actiontesting.InputsAreRefused(t, func(t *testing.T, inputs map[string]any) actiontest.Result {
		return actiontesting.Run(t, contractFile, cordoner{kube: actiontesting.NoCluster(t)}.run, inputs)
	}, tests)
}

func TestWithoutAContractTheActionAsksForTheNode(t *testing.T) {
	r := actiontest.Run(t, cordoner{kube: actiontesting.NoCluster(t)}.run, map[string]any{"dryRun": true})

	actiontesting.MustFail(t, r, action.ExitActionFailed, `input "node" is missing or empty`)
}
