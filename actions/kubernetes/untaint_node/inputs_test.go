package main

import (
	"strings"
	"testing"

	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := newNode(t, sb, maintenance)
	for _, mode := range []struct {
		name string
		mode actiontest.InputMode
	}{{"ACTION_INPUTS", actiontest.ViaEnv}, {"ACTION_INPUTS_FILE", actiontest.ViaFile}, {"standard input", actiontest.ViaStdin}} {
		t.Run(mode.name, func(t *testing.T) {
			r := runAction(t, sb, map[string]any{"node": node.Name, "key": "maintenance", "dryRun": true},
				actiontest.WithInputMode(mode.mode))

			mustSucceed(t, r)
			if lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n"); len(lines) != 1 {
				t.Errorf("stdout has %d lines, want only the output line:\n%s", len(lines), r.Stdout)
			}
			diffOutputs(t, map[string]any{
				"node": node.Name, "removed": []any{"maintenance:NoSchedule"},
				"previousTaints": []any{"maintenance:NoSchedule", notReady}, "taints": []any{notReady},
				"changed": true, "dryRun": true,
			}, r)
		})
	}
}

func TestInputsTheContractRefusesFailBeforeConnecting(t *testing.T) {
	tests := []struct {
		name   string
		inputs map[string]any
		want   string
	}{
		{"no inputs at all", nil, "/node: required input is missing"},
		{"no key", map[string]any{"node": "n1"}, "/key: required input is missing"},
		{"an unknown effect", map[string]any{"node": "n1", "key": "k", "effect": "NoEntry"}, "/effect"},
		{"a key that is no qualified name", map[string]any{"node": "n1", "key": "a b"}, "/key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runActionWith(t, untainter{kube: noCluster(t)}, tt.inputs)

			if r.ExitCode != action.ExitInputError {
				t.Fatalf("exit code %d, want %d (input error); stderr:\n%s", r.ExitCode, action.ExitInputError, r.Stderr)
			}
			if !strings.Contains(r.Stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, r.Stderr)
			}
		})
	}
}

func TestWithoutAContractTheActionChecksTheEffectItself(t *testing.T) {
	r := actiontest.Run(t, untainter{kube: noCluster(t)}.run, map[string]any{"node": "n1", "key": "k", "effect": "NoEntry"})

	if r.ExitCode != action.ExitActionFailed {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", r.ExitCode, action.ExitActionFailed, r.Stderr)
	}
	if want := `input "effect" "NoEntry" must be one of`; !strings.Contains(r.Stderr, want) {
		t.Errorf("stderr does not contain %q:\n%s", want, r.Stderr)
	}
}
