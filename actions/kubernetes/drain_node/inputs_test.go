package main

import (
	"testing"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := newNode(t, sb)
	newPod(t, sb.Admin, sb.Namespace, "web-1", node, podOpts{OwnerKind: "ReplicaSet"})
	actiontesting.EveryInputMode(t, func(t *testing.T, opts ...actiontest.Option) actiontest.Result {
		return runAction(t, sb, map[string]any{"node": node, "dryRun": true}, opts...)
	}, func(t *testing.T, r actiontest.Result) {
		actiontesting.DiffOutputs(t, map[string]any{
			"node": node, "previousUnschedulable": false, "unschedulable": true, "evicted": []any{sb.Namespace + "/web-1"},
			"skipped": []any{}, "failed": []any{}, "drained": true, "dryRun": true,
		}, r)
	})
}

func TestInputsTheContractRefusesFailBeforeConnecting(t *testing.T) {
	tests := []actiontesting.Refused{
		{Name: "no inputs at all", Inputs: nil, Want: "/node: required input is missing"},
		{Name: "a negative grace period", Inputs: map[string]any{"node": "n1", "gracePeriodSeconds": -1}, Want: "/gracePeriodSeconds: must be at least 0"},
		{Name: "a timeout of zero", Inputs: map[string]any{"node": "n1", "timeoutSeconds": 0}, Want: "/timeoutSeconds: must be at least 1"},
		{Name: "a timeout over an hour", Inputs: map[string]any{"node": "n1", "timeoutSeconds": 3601}, Want: "/timeoutSeconds: must be at most 3600"},
		{Name: "ignoreNamespaces as a string", Inputs: map[string]any{"node": "n1", "ignoreNamespaces": "kube-system"}, Want: "/ignoreNamespaces"},
		{Name: "a namespace, which a node has not", Inputs: map[string]any{"node": "n1", "namespace": "shop"}, Want: "/namespace: unknown input"},
	}
	actiontesting.InputsAreRefused(t, func(t *testing.T, inputs map[string]any) actiontest.Result {
		return actiontesting.Run(t, contractFile, drainer{kube: actiontesting.NoCluster(t)}.run, inputs)
	}, tests)
}

func TestWithoutAContractTheActionChecksTheBoundsItself(t *testing.T) {
	tests := []actiontesting.Refused{
		{Name: "no node", Inputs: map[string]any{}, Want: `input "node" is missing or empty`},
		{Name: "a grace period over an hour", Inputs: map[string]any{"node": "n1", "gracePeriodSeconds": 4000}, Want: `input "gracePeriodSeconds" must be between 0 and 3600, got 4000`},
		{Name: "a timeout of zero", Inputs: map[string]any{"node": "n1", "timeoutSeconds": 0}, Want: `input "timeoutSeconds" must be between 1 and 3600, got 0`},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			r := actiontest.Run(t, drainer{kube: actiontesting.NoCluster(t)}.run, tt.Inputs)

			actiontesting.MustFail(t, r, action.ExitActionFailed, tt.Want)
		})
	}
}
