package action

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// writeOutputFiles delivers the outputs to the files the engine asked for. line is the output
// line from MarshalOutputs and out its decoded form.
//
// ACTION_OUTPUTS_PATH receives the line plus a newline. ACTION_RESULTS_DIR receives, without
// a trailing newline because Tekton takes a result file's bytes verbatim:
//   - one file per output, named by the output: a string's raw text, any other value's JSON
//     encoding (so "3" is the number 3 and "\"3\"" cannot occur);
//   - the file ResultOutputs with the whole object, which is what the engine reads. Its "$"
//     characters are written as \u0024 (the same JSON value), because Tekton would otherwise
//     substitute a "$(...)" inside an output when it passes the object to a later step.
func writeOutputFiles(env Env, line []byte, out map[string]any) error {
	if path := env.Getenv(EnvOutputsPath); path != "" {
		if err := os.WriteFile(path, append(line[:len(line):len(line)], '\n'), 0o644); err != nil {
			return fmt.Errorf("writing outputs to %s: %w", EnvOutputsPath, err)
		}
	}
	dir := env.Getenv(EnvResultsDir)
	if dir == "" {
		return nil
	}
	for name, value := range out {
		data, err := resultValue(value)
		if err != nil {
			return fmt.Errorf("output %q: %w", name, err)
		}
		if err := writeResult(dir, name, data); err != nil {
			return err
		}
	}
	return writeResult(dir, ResultOutputs, escapeDollar(line))
}

// resultValue is the content of one per-output result file.
func resultValue(value any) ([]byte, error) {
	if s, ok := value.(string); ok {
		return []byte(s), nil
	}
	return json.Marshal(value)
}

// writeResult writes one result file. Names were checked by ValidOutputName, so they cannot
// leave dir.
func writeResult(dir, name string, data []byte) error {
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("writing result %q to %s (%s): %w", name, EnvResultsDir, dir, err)
	}
	return nil
}
