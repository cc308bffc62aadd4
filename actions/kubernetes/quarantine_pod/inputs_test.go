package main

import (
	"strings"
	"testing"

	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	pod := newPod(t, sb, "web-1", map[string]string{"app": "web"})
	for _, mode := range []struct {
		name string
		mode actiontest.InputMode
	}{{"ACTION_INPUTS", actiontest.ViaEnv}, {"ACTION_INPUTS_FILE", actiontest.ViaFile}, {"standard input", actiontest.ViaStdin}} {
		t.Run(mode.name, func(t *testing.T) {
			r := runAction(t, sb, map[string]any{"pod": "web-1", "dryRun": true}, actiontest.WithInputMode(mode.mode))

			mustSucceed(t, r)
			if lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n"); len(lines) != 1 {
				t.Errorf("stdout has %d lines, want only the output line:\n%s", len(lines), r.Stdout)
			}
			diffOutputs(t, map[string]any{
				"pod": "web-1", "namespace": sb.Namespace, "networkPolicy": "kubernaut-quarantine-web-1",
				"previousLabels": map[string]any{"app": "web"},
				"labels":         map[string]any{"app": "web", quarantinedLabel: "true", quarantineIDLabel: string(pod.UID)},
				"removedLabels":  []any{}, "changed": true, "dryRun": true,
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
		{"no inputs at all", nil, "/pod: required input is missing"},
		{"a pod name with a slash", map[string]any{"pod": "a/b"}, "/pod"},
		{"removeLabels as a string", map[string]any{"pod": "web-1", "removeLabels": "app"}, "/removeLabels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runActionWith(t, quarantiner{kube: noCluster(t)}, tt.inputs)

			if r.ExitCode != action.ExitInputError {
				t.Fatalf("exit code %d, want %d (input error); stderr:\n%s", r.ExitCode, action.ExitInputError, r.Stderr)
			}
			if !strings.Contains(r.Stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, r.Stderr)
			}
		})
	}
}

func TestTheQuarantineLabelsCannotBeRemoved(t *testing.T) {
	r := runActionWith(t, quarantiner{kube: noCluster(t)}, map[string]any{"pod": "web-1", "removeLabels": []any{"app", quarantinedLabel}})

	if r.ExitCode != action.ExitActionFailed {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", r.ExitCode, action.ExitActionFailed, r.Stderr)
	}
	if want := `input "removeLabels"[1] "kubernaut.ai/quarantined" is a label the quarantine sets`; !strings.Contains(r.Stderr, want) {
		t.Errorf("stderr does not contain %q:\n%s", want, r.Stderr)
	}
}
