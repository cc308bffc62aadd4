package main

import (
	"testing"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newClaim(t, sb, "unused", nil, nil)
	actiontesting.EveryInputMode(t, func(t *testing.T, opts ...actiontest.Option) actiontest.Result {
		return runAction(t, sb, map[string]any{"pvcs": []any{"unused"}, "dryRun": true}, opts...)
	}, func(t *testing.T, r actiontest.Result) {
		actiontesting.DiffOutputs(t, map[string]any{"namespace": sb.Namespace, "deleted": []any{"unused"}, "skipped": []any{}, "dryRun": true}, r)
	})
}

func TestInputsTheContractRefusesFailBeforeConnecting(t *testing.T) {
	tests := []actiontesting.Refused{
		{Name: "pvcs as a string", Inputs: map[string]any{"pvcs": "data"}, Want: "/pvcs"},
		{Name: "a namespace that is no name", Inputs: map[string]any{"pvcs": []any{"data"}, "namespace": "Shop_1"}, Want: "/namespace"},
		{Name: "a misspelt input", Inputs: map[string]any{"pvc": []any{"data"}}, Want: "/pvc: unknown input"},
	}
	actiontesting.InputsAreRefused(t, func(t *testing.T, inputs map[string]any) actiontest.Result {
		return actiontesting.Run(t, contractFile, cleaner{kube: actiontesting.NoCluster(t)}.run, inputs)
	}, tests)
}

func TestAChoiceThatIsNotExactlyOneFailsBeforeConnecting(t *testing.T) {
	tests := []struct {
		name   string
		inputs map[string]any
		want   string
	}{
		{"neither names nor a selector", map[string]any{}, `give exactly one of the inputs "pvcs"`},
		{"an empty list", map[string]any{"pvcs": []any{}}, `give exactly one of the inputs "pvcs"`},
		{"a blank selector", map[string]any{"selector": "  "}, "never deletes all claims of a namespace implicitly"},
		{"both names and a selector", map[string]any{"pvcs": []any{"a"}, "selector": "app=x"}, `give exactly one of the inputs "pvcs"`},
		{"a selector that is not one", map[string]any{"selector": "app in (a"}, `input "selector" "app in (a" is not a label selector`},
		{"a name that is not a claim name", map[string]any{"pvcs": []any{"data", "Data_1"}}, `input "pvcs"[1] "Data_1" is not a claim name`},
		{"a name that is not a string", map[string]any{"pvcs": []any{3}}, "pvcs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := actiontesting.Run(t, contractFile, cleaner{kube: actiontesting.NoCluster(t)}.run, tt.inputs)

			actiontesting.MustFail(t, r, action.ExitActionFailed, tt.want)
		})
	}
}
