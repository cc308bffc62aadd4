package actionjob

import (
	"fmt"
	"strings"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

// MaxTerminationMessageBytes is the kubelet's limit on a container's termination message: it
// keeps only the last 4096 bytes of the file, so a message of this length may have been cut.
const MaxTerminationMessageBytes = 4096

// LogTailBytes is how much of the end of the pod's log to read when the outputs are not in the
// termination message: room for the largest output line (action.MaxOutputBytes) and its
// newline, plus slack for whatever stderr wrote after it. Read the tail, never the whole log.
const LogTailBytes = 2 * action.MaxOutputBytes

// ParseOutputs reads the outputs from the end of the action's output (a termination message or
// a log tail): the last non-empty line must be one JSON object of at most action.MaxOutputBytes,
// and the contract must accept it. Numbers stay exact (json.Number).
//
// Every failure is an *Error with reason OutputInvalid; it wraps the sdk/action sentinels
// (ErrNoOutputLine, ErrOutputTooLarge, ErrNotJSONObject) or the contract's *OutputError. An
// oversized output is refused, never truncated.
func ParseOutputs(podLog []byte, c *contract.ActionContract) (map[string]any, error) {
	out, err := action.ParseOutputs(podLog)
	if err != nil {
		return nil, reasonError(executionv1alpha1.OutputInvalidReason, fmt.Errorf("reading the action's outputs: %w", err))
	}
	if err := c.ValidateOutputs(out); err != nil {
		return nil, outputsMismatch(c, err)
	}
	return out, nil
}

// OutputsFromTerminationMessage parses the outputs from a succeeded container's termination
// message, where the SDK writes them (ACTION_OUTPUTS_PATH). It returns ok false, and no error,
// when the message does not hold an output line: it is empty or not a JSON object (an action
// not built on the SDK, which may write there what it likes), or as long as the kubelet's limit
// (maybe cut). The caller then reads LogTailBytes of the log and calls ParseOutputs. A JSON
// object the contract refuses is an error: the same line is on standard output.
func OutputsFromTerminationMessage(message string, c *contract.ActionContract) (outputs map[string]any, ok bool, err error) {
	if len(message) >= MaxTerminationMessageBytes {
		return nil, false, nil
	}
	out, err := action.ParseOutputs([]byte(message))
	if err != nil {
		return nil, false, nil
	}
	if err := c.ValidateOutputs(out); err != nil {
		return nil, false, outputsMismatch(c, err)
	}
	return out, true, nil
}

func outputsMismatch(c *contract.ActionContract, err error) error {
	return reasonError(executionv1alpha1.OutputInvalidReason, &oneLineError{
		msg: fmt.Sprintf("the action's outputs do not match contract %s: %s", c.Metadata.Name,
			strings.ReplaceAll(err.Error(), "\n", "; ")),
		err: err,
	})
}

// oneLineError carries a one-line message (conditions and events read better on one line) for
// an error whose own message spans lines, and still unwraps to it.
type oneLineError struct {
	msg string
	err error
}

func (e *oneLineError) Error() string { return e.msg }
func (e *oneLineError) Unwrap() error { return e.err }
