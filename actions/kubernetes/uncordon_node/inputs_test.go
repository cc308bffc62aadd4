package main

import (
	"strings"
	"testing"

	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := newNode(t, sb, true)
	for _, mode := range []struct {
		name string
		mode actiontest.InputMode
	}{{"ACTION_INPUTS", actiontest.ViaEnv}, {"ACTION_INPUTS_FILE", actiontest.ViaFile}, {"standard input", actiontest.ViaStdin}} {
		t.Run(mode.name, func(t *testing.T) {
			r := runAction(t, sb, map[string]any{"node": node.Name, "dryRun": true}, actiontest.WithInputMode(mode.mode))

			mustSucceed(t, r)
			if lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n"); len(lines) != 1 {
				t.Errorf("stdout has %d lines, want only the output line:\n%s", len(lines), r.Stdout)
			}
			diffOutputs(t, map[string]any{
				"node": node.Name, "previousUnschedulable": true, "unschedulable": false, "changed": true, "dryRun": true,
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
		{"a node name with a slash", map[string]any{"node": "a/b"}, "/node"},
		{"a misspelt input", map[string]any{"nodes": "n1"}, "/nodes: unknown input"},
		{"a namespace, which a node has not", map[string]any{"node": "n1", "namespace": "shop"}, "/namespace: unknown input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runActionWith(t, uncordoner{kube: noCluster(t)}, tt.inputs)

			if r.ExitCode != action.ExitInputError {
				t.Fatalf("exit code %d, want %d (input error); stderr:\n%s", r.ExitCode, action.ExitInputError, r.Stderr)
			}
			if !strings.Contains(r.Stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, r.Stderr)
			}
		})
	}
}

func TestWithoutAContractTheActionAsksForTheNode(t *testing.T) {
	r := actiontest.Run(t, uncordoner{kube: noCluster(t)}.run, map[string]any{"dryRun": true})

	if r.ExitCode != action.ExitActionFailed {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", r.ExitCode, action.ExitActionFailed, r.Stderr)
	}
	if want := `input "node" is missing or empty`; !strings.Contains(r.Stderr, want) {
		t.Errorf("stderr does not contain %q:\n%s", want, r.Stderr)
	}
}
