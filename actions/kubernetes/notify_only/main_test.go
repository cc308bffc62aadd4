package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionjob"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

const contractFile = "action-contract.yaml"

// run runs the action with ws as the workspace through the SDK's runtime and the contract.
func run(t *testing.T, ws string, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	opts = append([]actiontest.Option{actiontest.WithContractFile(contractFile)}, opts...)
	return actiontest.Run(t, notifier{workspace: ws}.run, inputs, opts...)
}

// loggedNotification returns the one notification line on stderr, decoded.
func loggedNotification(t *testing.T, r actiontest.Result) notification {
	t.Helper()
	var found []notification
	for _, line := range strings.Split(r.Stderr, "\n") {
		var n notification
		if json.Unmarshal([]byte(line), &n) == nil && n.Kind == notificationKind {
			found = append(found, n)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d notification lines on stderr, want 1:\n%s", len(found), r.Stderr)
	}
	return found[0]
}

func TestTheNotificationIsOneJSONLineInTheLog(t *testing.T) {
	// No workspace is mounted: without attachments none is needed.
	ws := filepath.Join(t.TempDir(), "not-mounted")

	r := run(t, ws, map[string]any{"message": "payment-service: <5 replicas> & no capacity to add more"})

	if r.ExitCode != action.ExitSuccess {
		t.Fatalf("exit code %d; stderr:\n%s", r.ExitCode, r.Stderr)
	}
	want := actiontest.Normalize(t, map[string]any{
		"delivered": true, "channel": "log", "message": "payment-service: <5 replicas> & no capacity to add more",
		"severity": "info", "attachments": 0,
	})
	if diff := cmp.Diff(want, r.Outputs); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	got := loggedNotification(t, r)
	wantNote := notification{Kind: notificationKind, Severity: "info", Message: "payment-service: <5 replicas> & no capacity to add more", Attachments: []attachment{}}
	if diff := cmp.Diff(wantNote, got); diff != "" {
		t.Errorf("notification (-want +got):\n%s", diff)
	}
	if !strings.Contains(r.Stderr, "<5 replicas> & no") {
		t.Errorf("the log line escapes the message instead of showing it as written:\n%s", r.Stderr)
	}
}

func TestAttachmentsAreReportedWithTheirSizeAndFirstLine(t *testing.T) {
	ws := t.TempDir()
	writeFile(t, ws, "diagnostics/events.txt", "LAST SEEN  TYPE\r\n2026-11-26  Warning\n")
	writeFile(t, ws, "diagnostics/logs/web_app.log", "boom\n")
	writeFile(t, ws, "report.md", "# Incident")

	r := run(t, ws, map[string]any{
		"message": "diagnostics collected", "severity": "warning",
		"attachments": []any{"diagnostics/events.txt", "diagnostics/", "./report.md"},
	})

	if r.ExitCode != action.ExitSuccess {
		t.Fatalf("exit code %d; stderr:\n%s", r.ExitCode, r.Stderr)
	}
	if got := r.Outputs["attachments"]; got != json.Number("3") {
		t.Errorf("attachments = %v, want 3", got)
	}
	want := []attachment{
		{Path: "diagnostics/events.txt", Type: "file", Size: 37, FirstLine: "LAST SEEN  TYPE"},
		{Path: "diagnostics", Type: "directory", Size: 42, Files: 2},
		{Path: "report.md", Type: "file", Size: 10, FirstLine: "# Incident"},
	}
	if diff := cmp.Diff(want, loggedNotification(t, r).Attachments); diff != "" {
		t.Errorf("attachments (-want +got):\n%s", diff)
	}
}

func TestABadAttachmentFailsNamingIt(t *testing.T) {
	ws, outside := t.TempDir(), t.TempDir()
	writeFile(t, outside, "secret", "token")
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(ws, "link")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, ws, path, want string
	}{
		{"a missing file", ws, "diagnostics/events.txt", `attachments"[0] "diagnostics/events.txt": does not exist`},
		{"a path leaving the workspace", ws, "../secret", `holds ".."`},
		{"an absolute path", ws, "/workspace/report.md", `is absolute; give it relative to /workspace (write "report.md")`},
		{"a symbolic link out of the workspace", ws, "link", `"link": link is a symbolic link that cannot be followed inside the workspace`},
		{"no workspace", filepath.Join(ws, "absent"), "report.md", "the step needs usesWorkspace: true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.ws, map[string]any{"message": "m", "attachments": []any{tt.path}})

			if r.ExitCode != action.ExitActionFailed {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", r.ExitCode, action.ExitActionFailed, r.Stderr)
			}
			if !strings.Contains(r.Stderr, tt.want) {
				t.Errorf("stderr does not contain %q:\n%s", tt.want, r.Stderr)
			}
			if strings.Contains(r.Stderr, "token") {
				t.Errorf("the content of a file outside the workspace leaked:\n%s", r.Stderr)
			}
		})
	}
}

func TestTheMessageIsBounded(t *testing.T) {
	ok := run(t, t.TempDir(), map[string]any{"message": strings.Repeat("é", maxMessageChars)})
	if ok.ExitCode != action.ExitSuccess {
		t.Errorf("a message of %d characters: exit code %d; stderr:\n%s", maxMessageChars, ok.ExitCode, ok.Stderr)
	}

	tooLong := run(t, t.TempDir(), map[string]any{"message": strings.Repeat("a", maxMessageChars+1)})
	if tooLong.ExitCode != action.ExitActionFailed || !strings.Contains(tooLong.Stderr, "has 4097 characters; at most 4096") {
		t.Errorf("a message of %d characters: exit code %d; stderr:\n%s", maxMessageChars+1, tooLong.ExitCode, tooLong.Stderr)
	}
}

func TestInputsTheContractRefuses(t *testing.T) {
	tests := []actiontesting.Refused{
		{Name: "no message", Inputs: map[string]any{}, Want: "/message: required input is missing"},
		{Name: "a blank message", Inputs: map[string]any{"message": " \n\t"}, Want: "/message"},
		{Name: "an unknown severity", Inputs: map[string]any{"message": "m", "severity": "fatal"}, Want: "/severity"},
		{Name: "attachments that are not a list", Inputs: map[string]any{"message": "m", "attachments": "a.txt"}, Want: "/attachments"},
	}
	actiontesting.InputsAreRefused(t, func(t *testing.T, inputs map[string]any) actiontest.Result {
		return run(t, t.TempDir(), inputs)
	}, tests)
}

func TestWithoutAContractTheActionChecksItsInputsItself(t *testing.T) {
	tests := []actiontesting.Refused{
		{Name: "a blank message", Inputs: map[string]any{"message": " "}, Want: `input "message" is blank`},
		{Name: "an unknown severity", Inputs: map[string]any{"message": "m", "severity": "fatal"}, Want: `"fatal" must be one of info, warning, critical`},
		{Name: "an attachment that is no string", Inputs: map[string]any{"message": "m", "attachments": []any{1}}, Want: `"attachments"[0] must be a string`},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			r := actiontest.Run(t, notifier{workspace: t.TempDir()}.run, tt.Inputs)

			actiontesting.MustFail(t, r, action.ExitActionFailed, tt.Want)
		})
	}
}

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	actiontesting.EveryInputMode(t, func(t *testing.T, opts ...actiontest.Option) actiontest.Result {
		return run(t, t.TempDir(), map[string]any{"message": "hello", "severity": "critical"}, opts...)
	}, func(t *testing.T, r actiontest.Result) {
		if got := loggedNotification(t, r).Severity; got != "critical" {
			t.Errorf("severity = %q, want critical", got)
		}
	})
	if r := run(t, t.TempDir(), nil, actiontest.WithInputMode(actiontest.NoInputs)); r.ExitCode != action.ExitInputError {
		t.Errorf("without inputs: exit code %d, want %d", r.ExitCode, action.ExitInputError)
	}
}

func TestTheControllerGivesTheActionNoServiceAccountToken(t *testing.T) {
	data, err := os.ReadFile(contractFile)
	if err != nil {
		t.Fatal(err)
	}
	c, err := contract.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	ae := &executionv1alpha1.ActionExecution{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "notify"}}

	// No ServiceAccount means the controller runs the pod with automountServiceAccountToken: false.
	if objs := actionjob.BuildRBAC(ae, c); objs != (actionjob.RBACObjects{}) {
		t.Errorf("the controller would create RBAC objects for notify_only: %+v", objs)
	}
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
