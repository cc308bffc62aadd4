package workflowexecution

import (
	"errors"
	"fmt"
)

// terminal is an outcome that no retry can change: an invalid workflow, or an engine that this
// build cannot run. The reconciler records it on condition and on Ready, fails the workflow and
// never requeues. Reason is one of the API's reason constants.
type terminal struct {
	condition string
	reason    string
	message   string
}

func (e *terminal) Error() string { return e.reason + ": " + e.message }

// fail builds a terminal error of the step that owns condition.
func fail(condition, reason, format string, args ...any) error {
	return &terminal{condition: condition, reason: reason, message: fmt.Sprintf(format, args...)}
}

// asTerminal reports whether err is (or wraps) a terminal error.
func asTerminal(err error) (*terminal, bool) {
	var t *terminal
	ok := errors.As(err, &t)
	return t, ok
}

// Every other error is transient (API server trouble): it is returned to controller-runtime,
// whose rate limiter retries with exponential backoff, and the status keeps the phase it had.
