package actionjob

import "errors"

// Error is a refusal or run failure decided here, with the ActionExecution reason it is recorded
// under (one of the reason constants of api/execution/v1alpha1: SecurityContextRejected,
// PermissionsExceedCeiling, ContractInvalid, OutputInvalid). All of them are terminal: the same
// contract, image and outputs fail the same way again.
type Error struct {
	// Reason is the condition reason, e.g. executionv1alpha1.SecurityContextRejectedReason.
	Reason string
	// Err says what is wrong; its message names the field or rule.
	Err error
}

// Error returns the message of the underlying error; the reason is recorded separately.
func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error, so that errors.Is sees sentinels such as
// action.ErrOutputTooLarge.
func (e *Error) Unwrap() error { return e.Err }

// ReasonOf returns the reason of the first *Error in err's chain.
func ReasonOf(err error) (string, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason, true
	}
	return "", false
}

func reasonError(reason string, err error) *Error { return &Error{Reason: reason, Err: err} }
