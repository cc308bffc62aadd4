package action

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
)

// Outputs are what an action returns: output names mapped to JSON-serialisable values.
type Outputs map[string]any

// ResultOutputs is the file in ACTION_RESULTS_DIR (the Tekton result) that holds the whole
// outputs object; engines read this one rather than the per-output files.
const ResultOutputs = "outputs"

// Failures of the output line, for callers that branch with errors.Is.
var (
	// ErrNoOutputLine means standard output has no non-empty line at all.
	ErrNoOutputLine = errors.New("no output line")
	// ErrOutputTooLarge means the output line is longer than MaxOutputBytes.
	ErrOutputTooLarge = errors.New("output line too large")
	// ErrNotJSONObject means the last non-empty line is not exactly one JSON object.
	ErrNotJSONObject = errors.New("last line is not a JSON object")
	// ErrOutputName means an output name cannot be a result file name (see ValidOutputName).
	ErrOutputName = errors.New("invalid output name")
)

// outputNamePattern is Tekton's result name rule. Applying it in every engine keeps an action
// portable: a name that works under Jobs also works as a Tekton result and as a file name,
// and it can never climb out of the results directory.
var outputNamePattern = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)

// ValidOutputName reports whether name may be an output name: letters, digits, '-', '_' and
// '.', starting and ending with a letter or digit, and not ResultOutputs, which names the
// whole object in ACTION_RESULTS_DIR.
func ValidOutputName(name string) bool {
	return name != ResultOutputs && outputNamePattern.MatchString(name)
}

// MarshalOutputs renders outputs as the compact one-line JSON object that is the action's
// output line, without a newline. nil outputs render as {}. encoding/json escapes newlines and
// U+2028/U+2029 inside strings, so the result is always a single line.
func MarshalOutputs(out Outputs) ([]byte, error) {
	if out == nil {
		out = Outputs{}
	}
	for name := range out {
		if !ValidOutputName(name) {
			return nil, fmt.Errorf("%w %q: want letters, digits, '-', '_' or '.', starting and "+
				"ending with a letter or digit, and not %q", ErrOutputName, name, ResultOutputs)
		}
	}
	line, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("outputs are not serialisable to JSON: %w", err)
	}
	if len(line) > MaxOutputBytes {
		return nil, fmt.Errorf("%w: %d bytes, more than the %d-byte limit; "+
			"put bulk data in a workspace and output its path", ErrOutputTooLarge, len(line), MaxOutputBytes)
	}
	return line, nil
}

// WriteOutputs writes the output line of MarshalOutputs followed by a newline.
func WriteOutputs(w io.Writer, out Outputs) error {
	line, err := MarshalOutputs(out)
	if err != nil {
		return err
	}
	if _, err := w.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("writing the output line: %w", err)
	}
	return nil
}

// ParseOutputs reads an action's outputs from its standard output: the last non-empty line
// must be exactly one JSON object of at most MaxOutputBytes. Earlier lines are ignored (shell
// actions may print other things first), as is trailing whitespace, including the CR of CRLF
// line ends. Numbers are returned as json.Number so that no precision is lost.
func ParseOutputs(stdout []byte) (map[string]any, error) {
	line := lastLine(stdout)
	if len(line) == 0 {
		return nil, fmt.Errorf("%w: standard output is empty or blank", ErrNoOutputLine)
	}
	if len(line) > MaxOutputBytes {
		return nil, fmt.Errorf("%w: %d bytes, more than the %d-byte limit",
			ErrOutputTooLarge, len(line), MaxOutputBytes)
	}
	obj, err := decodeObject(line)
	if err != nil {
		return nil, fmt.Errorf("%w: %v (line starts %q)", ErrNotJSONObject, err, excerpt(line))
	}
	return obj, nil
}

// lastLine returns the last line of b that holds more than whitespace, without surrounding
// whitespace.
func lastLine(b []byte) []byte {
	const space = " \t\r\n\v\f"
	b = bytes.TrimRight(b, space)
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[i+1:]
	}
	return bytes.TrimLeft(b, space)
}

// excerpt is the start of a line, short enough for an error message.
func excerpt(line []byte) string {
	const n = 80
	if len(line) > n {
		return string(line[:n]) + "…"
	}
	return string(line)
}

// canonicalJSON passes v through JSON and back, so that values have exactly the types a
// decoder produces (json.Number, string, bool, nil, []any, map[string]any). Contract checks
// and accessors then see what the engine sees.
func canonicalJSON[M ~map[string]any](v M) (map[string]any, error) {
	if v == nil {
		return map[string]any{}, nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("not serialisable to JSON: %w", err)
	}
	return decodeObject(data)
}
