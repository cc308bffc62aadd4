package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// jsonNumber is how an integer output reads back from the output line.
func jsonNumber(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	pod := newPod(t, sb, "web-1", "", newReplicaSet(t, sb, "web"), nil)
	for _, mode := range []struct {
		name string
		mode actiontest.InputMode
	}{{"ACTION_INPUTS", actiontest.ViaEnv}, {"ACTION_INPUTS_FILE", actiontest.ViaFile}, {"standard input", actiontest.ViaStdin}} {
		t.Run(mode.name, func(t *testing.T) {
			r := runAction(t, sb, map[string]any{"pod": "web-1", "gracePeriodSeconds": 3, "dryRun": true}, actiontest.WithInputMode(mode.mode))

			mustSucceed(t, r)
			if lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n"); len(lines) != 1 {
				t.Errorf("stdout has %d lines, want only the output line:\n%s", len(lines), r.Stdout)
			}
			diffOutputs(t, map[string]any{
				"pod": "web-1", "namespace": sb.Namespace, "uid": string(pod.UID), "controller": "ReplicaSet/web",
				"node": "", "gracePeriodSeconds": 3, "deleted": true, "dryRun": true,
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
		{"a negative grace period", map[string]any{"pod": "web-1", "gracePeriodSeconds": -1}, "/gracePeriodSeconds: must be at least 0"},
		{"a grace period over an hour", map[string]any{"pod": "web-1", "gracePeriodSeconds": 3601}, "/gracePeriodSeconds: must be at most 3600"},
		{"a misspelt input", map[string]any{"pod": "web-1", "grace": 1}, "/grace: unknown input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runActionWith(t, deleter{kube: noCluster(t)}, tt.inputs)

			if r.ExitCode != action.ExitInputError {
				t.Fatalf("exit code %d, want %d (input error); stderr:\n%s", r.ExitCode, action.ExitInputError, r.Stderr)
			}
			if !strings.Contains(r.Stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, r.Stderr)
			}
		})
	}
}

func TestWithoutAContractTheActionChecksTheGracePeriodItself(t *testing.T) {
	r := actiontest.Run(t, deleter{kube: noCluster(t)}.run, map[string]any{"pod": "web-1", "gracePeriodSeconds": 99999})

	if r.ExitCode != action.ExitActionFailed {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", r.ExitCode, action.ExitActionFailed, r.Stderr)
	}
	if want := `input "gracePeriodSeconds" must be between 0 and 3600, got 99999`; !strings.Contains(r.Stderr, want) {
		t.Errorf("stderr does not contain %q:\n%s", want, r.Stderr)
	}
}
