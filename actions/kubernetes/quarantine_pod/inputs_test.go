package main

import (
	"testing"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	pod := newPod(t, sb, "web-1", map[string]string{"app": "web"})
	actiontesting.EveryInputMode(t, func(t *testing.T, opts ...actiontest.Option) actiontest.Result {
		return runAction(t, sb, map[string]any{"pod": "web-1", "dryRun": true}, opts...)
	}, func(t *testing.T, r actiontest.Result) {
		actiontesting.DiffOutputs(t, map[string]any{
			"pod": "web-1", "namespace": sb.Namespace, "networkPolicy": "kubernaut-quarantine-web-1",
			"previousLabels": map[string]any{"app": "web"},
			"labels":         map[string]any{"app": "web", quarantinedLabel: "true", quarantineIDLabel: string(pod.UID)},
			"removedLabels":  []any{}, "changed": true, "dryRun": true,
		}, r)
	})
}

func TestInputsTheContractRefusesFailBeforeConnecting(t *testing.T) {
	tests := []actiontesting.Refused{
		{Name: "no inputs at all", Inputs: nil, Want: "/pod: required input is missing"},
		{Name: "a pod name with a slash", Inputs: map[string]any{"pod": "a/b"}, Want: "/pod"},
		{Name: "removeLabels as a string", Inputs: map[string]any{"pod": "web-1", "removeLabels": "app"}, Want: "/removeLabels"},
	}
	actiontesting.InputsAreRefused(t, func(t *testing.T, inputs map[string]any) actiontest.Result {
		return actiontesting.Run(t, contractFile, quarantiner{kube: actiontesting.NoCluster(t)}.run, inputs)
	}, tests)
}

func TestTheQuarantineLabelsCannotBeRemoved(t *testing.T) {
	r := actiontesting.Run(t, contractFile, quarantiner{kube: actiontesting.NoCluster(t)}.run,
		map[string]any{"pod": "web-1", "removeLabels": []any{"app", quarantinedLabel}})

	actiontesting.MustFail(t, r, action.ExitActionFailed, `input "removeLabels"[1] "kubernaut.ai/quarantined" is a label the quarantine sets`)
}
