package actionexecution

import (
	"errors"
	"fmt"
)

// refusal is a terminal outcome: the run failed for a reason that a retry cannot change (the same
// image, contract and inputs fail the same way), so the reconciler records it and never requeues.
// Reason is one of the API's reason constants; condition is the step condition it is set on.
type refusal struct {
	condition string
	reason    string
	message   string
}

func (e *refusal) Error() string { return e.reason + ": " + e.message }

// refuse builds a terminal refusal of the step that owns condition.
func refuse(condition, reason, format string, args ...any) error {
	return &refusal{condition: condition, reason: reason, message: fmt.Sprintf(format, args...)}
}

// asRefusal reports whether err is (or wraps) a terminal refusal.
func asRefusal(err error) (*refusal, bool) {
	var r *refusal
	ok := errors.As(err, &r)
	return r, ok
}

// Every other error is transient (API server or registry trouble): it is returned to
// controller-runtime, whose rate limiter retries with exponential backoff, and the status keeps
// the phase it had.
