package main

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// jsonNumber is how an integer output reads back from the output line.
func jsonNumber(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	pod := sb.NewPod(t, "web-1", "", sb.NewReplicaSet(t, "web"), nil)
	actiontesting.EveryInputMode(t, func(t *testing.T, opts ...actiontest.Option) actiontest.Result {
		return runAction(t, sb, map[string]any{"pod": "web-1", "gracePeriodSeconds": 3, "dryRun": true}, opts...)
	}, func(t *testing.T, r actiontest.Result) {
		actiontesting.DiffOutputs(t, map[string]any{
			"pod": "web-1", "namespace": sb.Namespace, "uid": string(pod.UID), "controller": "ReplicaSet/web",
			"node": "", "gracePeriodSeconds": 3, "deleted": true, "dryRun": true,
		}, r)
	})
}

func TestInputsTheContractRefusesFailBeforeConnecting(t *testing.T) {
	tests := []actiontesting.Refused{
		{Name: "no inputs at all", Inputs: nil, Want: "/pod: required input is missing"},
		{Name: "a pod name with a slash", Inputs: map[string]any{"pod": "a/b"}, Want: "/pod"},
		{Name: "a negative grace period", Inputs: map[string]any{"pod": "web-1", "gracePeriodSeconds": -1}, Want: "/gracePeriodSeconds: must be at least 0"},
		{Name: "a grace period over an hour", Inputs: map[string]any{"pod": "web-1", "gracePeriodSeconds": 3601}, Want: "/gracePeriodSeconds: must be at most 3600"},
		{Name: "a misspelt input", Inputs: map[string]any{"pod": "web-1", "grace": 1}, Want: "/grace: unknown input"},
	}
	actiontesting.InputsAreRefused(t, func(t *testing.T, inputs map[string]any) actiontest.Result {
		return actiontesting.Run(t, contractFile, deleter{kube: actiontesting.NoCluster(t)}.run, inputs)
	}, tests)
}

func TestWithoutAContractTheActionChecksTheGracePeriodItself(t *testing.T) {
	r := actiontest.Run(t, deleter{kube: actiontesting.NoCluster(t)}.run, map[string]any{"pod": "web-1", "gracePeriodSeconds": 99999})

	actiontesting.MustFail(t, r, action.ExitActionFailed, `input "gracePeriodSeconds" must be between 0 and 3600, got 99999`)
}
