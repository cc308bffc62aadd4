package main

import (
	"strings"
	"testing"

	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := newNode(t, sb)
	newPod(t, sb.Admin, sb.Namespace, "web-1", node, podOpts{OwnerKind: "ReplicaSet"})
	for _, mode := range []struct {
		name string
		mode actiontest.InputMode
	}{{"ACTION_INPUTS", actiontest.ViaEnv}, {"ACTION_INPUTS_FILE", actiontest.ViaFile}, {"standard input", actiontest.ViaStdin}} {
		t.Run(mode.name, func(t *testing.T) {
			r := runAction(t, sb, map[string]any{"node": node, "dryRun": true}, actiontest.WithInputMode(mode.mode))

			mustSucceed(t, r)
			if lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n"); len(lines) != 1 {
				t.Errorf("stdout has %d lines, want only the output line:\n%s", len(lines), r.Stdout)
			}
			diffOutputs(t, map[string]any{
				"node": node, "previousUnschedulable": false, "unschedulable": true, "evicted": []any{sb.Namespace + "/web-1"},
				"skipped": []any{}, "failed": []any{}, "drained": true, "dryRun": true,
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
		{"a negative grace period", map[string]any{"node": "n1", "gracePeriodSeconds": -1}, "/gracePeriodSeconds: must be at least 0"},
		{"a timeout of zero", map[string]any{"node": "n1", "timeoutSeconds": 0}, "/timeoutSeconds: must be at least 1"},
		{"a timeout over an hour", map[string]any{"node": "n1", "timeoutSeconds": 3601}, "/timeoutSeconds: must be at most 3600"},
		{"ignoreNamespaces as a string", map[string]any{"node": "n1", "ignoreNamespaces": "kube-system"}, "/ignoreNamespaces"},
		{"a namespace, which a node has not", map[string]any{"node": "n1", "namespace": "shop"}, "/namespace: unknown input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runActionWith(t, drainer{kube: noCluster(t)}, tt.inputs)

			if r.ExitCode != action.ExitInputError {
				t.Fatalf("exit code %d, want %d (input error); stderr:\n%s", r.ExitCode, action.ExitInputError, r.Stderr)
			}
			if !strings.Contains(r.Stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, r.Stderr)
			}
		})
	}
}

func TestWithoutAContractTheActionChecksTheBoundsItself(t *testing.T) {
	tests := []struct {
		name   string
		inputs map[string]any
		want   string
	}{
		{"no node", map[string]any{}, `input "node" is missing or empty`},
		{"a grace period over an hour", map[string]any{"node": "n1", "gracePeriodSeconds": 4000}, `input "gracePeriodSeconds" must be between 0 and 3600, got 4000`},
		{"a timeout of zero", map[string]any{"node": "n1", "timeoutSeconds": 0}, `input "timeoutSeconds" must be between 1 and 3600, got 0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := actiontest.Run(t, drainer{kube: noCluster(t)}.run, tt.inputs)

			if r.ExitCode != action.ExitActionFailed {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", r.ExitCode, action.ExitActionFailed, r.Stderr)
			}
			if !strings.Contains(r.Stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, r.Stderr)
			}
		})
	}
}
