package contract

import (
	"errors"
	"strings"
)

// Document-level parse failures. Parse wraps them with the detail (size, YAML position), so
// callers branch with errors.Is. Field-level problems are reported as *ValidationError instead.
var (
	// ErrTooLarge means the document exceeds MaxSize; it was not parsed at all.
	ErrTooLarge = errors.New("contract too large")
	// ErrMalformed means the document is not well-formed YAML (or JSON).
	ErrMalformed = errors.New("contract is not well-formed YAML")
	// ErrEmpty means the document holds no contract: no content, only comments, or null.
	ErrEmpty = errors.New("contract is empty")
	// ErrMultipleDocuments means the stream holds more than one YAML document. A contract file
	// is exactly one document; silently using the first would hide the others from review.
	ErrMultipleDocuments = errors.New("contract holds more than one YAML document")
)

// FieldError is one problem at one place. For contracts Path is a field path such as
// "spec.inputs[2].type"; for input and output values it is a JSON pointer such as "/replicas".
// An empty Path means the document as a whole.
type FieldError struct {
	Path   string
	Reason string
}

// Error formats the error as "path: reason".
func (e FieldError) Error() string {
	if e.Path == "" {
		return e.Reason
	}
	return e.Path + ": " + e.Reason
}

// ValidationError lists every problem found in a contract, so an author fixes them in one pass
// rather than one per run.
type ValidationError struct {
	Errors []FieldError
}

// Error prints one problem per line.
func (e *ValidationError) Error() string { return joinFieldErrors(e.Errors) }

// InputError lists every problem found in a set of inputs; paths are JSON pointers.
type InputError struct {
	Errors []FieldError
}

// Error prints one problem per line.
func (e *InputError) Error() string { return joinFieldErrors(e.Errors) }

// OutputError lists every problem found in the outputs an action produced; paths are JSON
// pointers.
type OutputError struct {
	Errors []FieldError
}

// Error prints one problem per line.
func (e *OutputError) Error() string { return joinFieldErrors(e.Errors) }

func joinFieldErrors(errs []FieldError) string {
	lines := make([]string, len(errs))
	for i, fe := range errs {
		lines[i] = fe.Error()
	}
	return strings.Join(lines, "\n")
}

// fieldErrors collects FieldErrors under a common path prefix style.
type fieldErrors []FieldError

func (l *fieldErrors) add(path, reason string) {
	*l = append(*l, FieldError{Path: path, Reason: reason})
}
