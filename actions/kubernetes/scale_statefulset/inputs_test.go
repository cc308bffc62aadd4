package main

import (
	"strings"
	"testing"

	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newStatefulSet(t, sb, "web", 2)
	for _, mode := range []struct {
		name string
		mode actiontest.InputMode
	}{{"ACTION_INPUTS", actiontest.ViaEnv}, {"ACTION_INPUTS_FILE", actiontest.ViaFile}, {"standard input", actiontest.ViaStdin}} {
		t.Run(mode.name, func(t *testing.T) {
			r := runAction(t, sb, map[string]any{"statefulset": "web", "replicas": 5, "dryRun": true},
				actiontest.WithInputMode(mode.mode))

			mustSucceed(t, r)
			if lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n"); len(lines) != 1 {
				t.Errorf("stdout has %d lines, want only the output line:\n%s", len(lines), r.Stdout)
			}
			diffOutputs(t, map[string]any{
				"statefulset": "web", "namespace": sb.Namespace, "previousReplicas": 2, "replicas": 5,
				"actualReplicas": 0, "changed": true, "dryRun": true,
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
		{"no inputs at all", nil, "/statefulset: required input is missing"},
		{"too many replicas", map[string]any{"statefulset": "web", "replicas": 1001}, "/replicas: must be at most 1000"},
		{"negative replicas", map[string]any{"statefulset": "web", "replicas": -1}, "/replicas: must be at least 0"},
		{"fractional replicas", map[string]any{"statefulset": "web", "replicas": 1.5}, "/replicas"},
		{"a namespace that is no name", map[string]any{"statefulset": "web", "replicas": 1, "namespace": "Shop_1"}, "/namespace"},
		{"a misspelt input", map[string]any{"statefulset": "web", "replica": 1}, "/replica: unknown input"},
		{"a statefulset name with a slash", map[string]any{"statefulset": "a/b", "replicas": 1}, "/statefulset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runActionWith(t, scaler{kube: noCluster(t)}, tt.inputs)

			if r.ExitCode != action.ExitInputError {
				t.Fatalf("exit code %d, want %d (input error); stderr:\n%s", r.ExitCode, action.ExitInputError, r.Stderr)
			}
			if !strings.Contains(r.Stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, r.Stderr)
			}
		})
	}
}

func TestWithoutAContractTheActionChecksTheReplicasItself(t *testing.T) {
	r := actiontest.Run(t, scaler{kube: noCluster(t)}.run, map[string]any{"statefulset": "web", "replicas": 5000})

	if r.ExitCode != action.ExitActionFailed {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", r.ExitCode, action.ExitActionFailed, r.Stderr)
	}
	if want := `input "replicas" must be between 0 and 1000, got 5000`; !strings.Contains(r.Stderr, want) {
		t.Errorf("stderr does not contain %q:\n%s", want, r.Stderr)
	}
}
