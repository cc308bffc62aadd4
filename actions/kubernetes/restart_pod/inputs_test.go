package main

import (
	"strings"
	"testing"

	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	pod := newPod(t, sb, "web-1", "", newReplicaSet(t, sb, "web"), nil)
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
				"pod": "web-1", "namespace": sb.Namespace, "uid": string(pod.UID), "controller": "ReplicaSet/web",
				"node": "", "deleted": true, "dryRun": true,
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
		{"a namespace that is no name", map[string]any{"pod": "web-1", "namespace": "Shop_1"}, "/namespace"},
		{"force as a string", map[string]any{"pod": "web-1", "force": "yes"}, "/force"},
		{"a grace period, which restart does not take", map[string]any{"pod": "web-1", "gracePeriodSeconds": 0}, "/gracePeriodSeconds: unknown input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runActionWith(t, restarter{kube: noCluster(t)}, tt.inputs)

			if r.ExitCode != action.ExitInputError {
				t.Fatalf("exit code %d, want %d (input error); stderr:\n%s", r.ExitCode, action.ExitInputError, r.Stderr)
			}
			if !strings.Contains(r.Stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, r.Stderr)
			}
		})
	}
}

func TestWithoutAContractTheActionAsksForThePod(t *testing.T) {
	r := actiontest.Run(t, restarter{kube: noCluster(t)}.run, map[string]any{"force": true})

	if r.ExitCode != action.ExitActionFailed {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", r.ExitCode, action.ExitActionFailed, r.Stderr)
	}
	if want := `input "pod" is missing or empty`; !strings.Contains(r.Stderr, want) {
		t.Errorf("stderr does not contain %q:\n%s", want, r.Stderr)
	}
}
