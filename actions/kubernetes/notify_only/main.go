// Command notify_only is the built-in action kubernetes/notify_only, upstream's fallback: when
// no remediation applies, or after one, it records a notification for people. It changes
// nothing, needs no Kubernetes permissions and delivers to its own log as one structured JSON
// line; real channels (chat, paging, e-mail) are out of its scope. See docs/actions.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kubernaut/kubernaut/actions/internal/workspace"
	"github.com/kubernaut/kubernaut/sdk/action"
)

const (
	// maxMessageChars bounds the message, which the contract's pattern cannot (RE2 repeats
	// at most 1000 times).
	maxMessageChars = 4096
	// channel is where notifications go: the action's log.
	channel = "log"
	// notificationKind marks the log line, so log pipelines can select notifications.
	notificationKind = "kubernaut.ai/notification"
)

// severities are the accepted severities, repeated from the contract for runs without one.
var severities = []string{"info", "warning", "critical"}

func main() { action.Main(notifier{workspace: workspace.Dir}.run) }

// notifier is the action with the directory where the workspace is mounted (workspace.Dir in a
// pod, a temporary directory in tests).
type notifier struct {
	workspace string
}

// notification is the structured log line.
type notification struct {
	Kind        string       `json:"kind"`
	Severity    string       `json:"severity"`
	Message     string       `json:"message"`
	Attachments []attachment `json:"attachments"`
}

// run checks the inputs, describes the attachments and writes the notification.
func (n notifier) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	note, paths, err := readInputs(in)
	if err != nil {
		return nil, err
	}
	if note.Attachments, err = describeAll(n.workspace, paths); err != nil {
		return nil, err
	}
	line, err := marshalLine(note)
	if err != nil {
		return nil, err
	}
	action.Logger(ctx).Print(line)
	return action.Outputs{
		"delivered": true, "channel": channel, "message": note.Message,
		"severity": note.Severity, "attachments": len(note.Attachments),
	}, nil
}

// readInputs returns the notification (without attachments) and the attachment paths.
func readInputs(in *action.Inputs) (notification, []string, error) {
	msg, err := in.String("message")
	if err != nil {
		return notification{}, nil, err
	}
	if strings.TrimSpace(msg) == "" {
		return notification{}, nil, fmt.Errorf("input \"message\" is blank")
	}
	if n := utf8.RuneCountInString(msg); n > maxMessageChars {
		return notification{}, nil, fmt.Errorf("input \"message\" has %d characters; at most %d are allowed", n, maxMessageChars)
	}
	severity, err := in.StringOr("severity", "info")
	if err != nil {
		return notification{}, nil, err
	}
	if !slices.Contains(severities, severity) {
		return notification{}, nil, fmt.Errorf("input \"severity\" %q must be one of %s", severity, strings.Join(severities, ", "))
	}
	raw, err := in.Array("attachments")
	if err != nil && !errors.Is(err, action.ErrMissingInput) {
		return notification{}, nil, err
	}
	paths := make([]string, 0, len(raw))
	for i, v := range raw {
		p, ok := v.(string)
		if !ok {
			return notification{}, nil, fmt.Errorf("input \"attachments\"[%d] must be a string, got %T", i, v)
		}
		paths = append(paths, p)
	}
	return notification{Kind: notificationKind, Severity: severity, Message: msg}, paths, nil
}

// marshalLine encodes the notification as one line of JSON without HTML escaping, so that a
// message reads in the log as it was written ("<", ">" and "&" stay as they are).
func marshalLine(note notification) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(note); err != nil {
		return "", fmt.Errorf("encoding the notification: %w", err)
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
