package main

import (
	"testing"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := newNode(t, sb, "a", nil)
	newDeployment(t, sb, nil)
	actiontesting.EveryInputMode(t, func(t *testing.T, opts ...actiontest.Option) actiontest.Result {
		return runAction(t, sb, map[string]any{"deployment": "web", "targetNode": node, "dryRun": true}, opts...)
	}, func(t *testing.T, r actiontest.Result) {
		if r.Outputs["constraint"] != HostnameLabel+" In ("+node+")" || r.Outputs["changed"] != true {
			t.Errorf("outputs = %v, want the In constraint as a change", r.Outputs)
		}
	})
}

func TestInputsTheContractRefusesFailBeforeConnecting(t *testing.T) {
	tests := []actiontesting.Refused{
		{Name: "no inputs at all", Inputs: nil, Want: "/deployment: required input is missing"},
		{Name: "a node name with a slash", Inputs: map[string]any{"deployment": "web", "targetNode": "a/b"}, Want: "/targetNode"},
		{Name: "a timeout of zero", Inputs: map[string]any{"deployment": "web", "clear": true, "timeoutSeconds": 0}, Want: "/timeoutSeconds: must be at least 1"},
		{Name: "a misspelt input", Inputs: map[string]any{"deployment": "web", "node": "n1"}, Want: "/node: unknown input"},
	}
	actiontesting.InputsAreRefused(t, func(t *testing.T, inputs map[string]any) actiontest.Result {
		return actiontesting.Run(t, contractFile, migrator{kube: actiontesting.NoCluster(t)}.run, inputs)
	}, tests)
}

func TestAChoiceThatIsNotExactlyOneFailsBeforeConnecting(t *testing.T) {
	for name, inputs := range map[string]map[string]any{
		"none":                         {},
		"clear false alone":            {"clear": false},
		"a target and a node to avoid": {"targetNode": "a", "avoidNode": "b"},
		"a target and clear":           {"targetNode": "a", "clear": true},
	} {
		t.Run(name, func(t *testing.T) {
			inputs["deployment"] = "web"

			r := actiontesting.Run(t, contractFile, migrator{kube: actiontesting.NoCluster(t)}.run, inputs)

			actiontesting.MustFail(t, r, action.ExitActionFailed, `give exactly one of the inputs "targetNode", "avoidNode" and "clear": true`)
		})
	}
}

func TestWithoutAContractTheActionChecksTheTimeoutItself(t *testing.T) {
	r := actiontest.Run(t, migrator{kube: actiontesting.NoCluster(t)}.run, map[string]any{"deployment": "web", "clear": true, "timeoutSeconds": 7200})

	actiontesting.MustFail(t, r, action.ExitActionFailed, `input "timeoutSeconds" must be between 1 and 3600, got 7200`)
}
