package main

import (
	"testing"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	pod := sb.NewPod(t, "web-1", "", sb.NewReplicaSet(t, "web"), nil)
	actiontesting.EveryInputMode(t, func(t *testing.T, opts ...actiontest.Option) actiontest.Result {
		return runAction(t, sb, map[string]any{"pod": "web-1", "dryRun": true}, opts...)
	}, func(t *testing.T, r actiontest.Result) {
		actiontesting.DiffOutputs(t, map[string]any{
			"pod": "web-1", "namespace": sb.Namespace, "uid": string(pod.UID), "controller": "ReplicaSet/web",
			"node": "", "deleted": true, "dryRun": true,
		}, r)
	})
}

func TestInputsTheContractRefusesFailBeforeConnecting(t *testing.T) {
	tests := []actiontesting.Refused{
		{Name: "no inputs at all", Inputs: nil, Want: "/pod: required input is missing"},
		{Name: "a pod name with a slash", Inputs: map[string]any{"pod": "a/b"}, Want: "/pod"},
		{Name: "a namespace that is no name", Inputs: map[string]any{"pod": "web-1", "namespace": "Shop_1"}, Want: "/namespace"},
		{Name: "force as a string", Inputs: map[string]any{"pod": "web-1", "force": "yes"}, Want: "/force"},
		{Name: "a grace period, which restart does not take", Inputs: map[string]any{"pod": "web-1", "gracePeriodSeconds": 0}, Want: "/gracePeriodSeconds: unknown input"},
	}
	actiontesting.InputsAreRefused(t, func(t *testing.T, inputs map[string]any) actiontest.Result {
		return actiontesting.Run(t, contractFile, restarter{kube: actiontesting.NoCluster(t)}.run, inputs)
	}, tests)
}

func TestWithoutAContractTheActionAsksForThePod(t *testing.T) {
	r := actiontest.Run(t, restarter{kube: actiontesting.NoCluster(t)}.run, map[string]any{"force": true})

	actiontesting.MustFail(t, r, action.ExitActionFailed, `input "pod" is missing or empty`)
}
