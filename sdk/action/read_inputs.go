package action

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrNoInputs means none of the three input sources was available.
var ErrNoInputs = errors.New("no inputs: set " + EnvInputs + " to a JSON object, " +
	"or set " + EnvInputsFile + " to the path of a file holding one, " +
	"or pipe one to standard input (for example: echo '{\"name\":\"value\"}' | action)")

// readInputs returns the inputs object from the first available source (DESIGN D3), with
// the output references resolved when ACTION_UPSTREAM_OUTPUTS is set.
func readInputs(ctx context.Context, env Env) (map[string]any, error) {
	data, source, err := readRawInputs(ctx, env)
	if err != nil {
		return nil, err
	}
	obj, err := decodeInputs(data, source)
	if err != nil {
		return nil, err
	}
	upstream := env.Getenv(EnvUpstreamOutputs)
	if upstream == "" {
		return obj, nil
	}
	resolved, err := resolveReferences(data, upstream)
	if err != nil {
		return nil, fmt.Errorf("inputs from %s: %w", source, err)
	}
	return decodeInputs(resolved, source+" with output references resolved")
}

// readRawInputs returns the bytes of the first available input source and names it.
func readRawInputs(ctx context.Context, env Env) ([]byte, string, error) {
	if raw := env.Getenv(EnvInputs); raw != "" {
		if len(raw) > MaxInputBytes {
			return nil, "", fmt.Errorf("inputs from %s are %d bytes, more than the %d-byte limit",
				EnvInputs, len(raw), MaxInputBytes)
		}
		return []byte(raw), EnvInputs, nil
	}
	if path := env.Getenv(EnvInputsFile); path != "" {
		data, err := readFileCapped(path, MaxInputBytes)
		if err != nil {
			return nil, "", fmt.Errorf("inputs from %s: %w", EnvInputsFile, err)
		}
		return data, fmt.Sprintf("%s (%s)", EnvInputsFile, path), nil
	}
	if env.Stdin != nil && !env.StdinIsTerminal {
		data, err := readStdin(ctx, env.Stdin)
		if err != nil {
			return nil, "", err
		}
		return data, "standard input", nil
	}
	return nil, "", ErrNoInputs
}

// readStdin reads all of stdin, up to the size limit. It gives up when ctx ends, because an
// inherited pipe nobody writes to would otherwise keep the action from ever reacting to
// SIGTERM.
func readStdin(ctx context.Context, stdin io.Reader) ([]byte, error) {
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		data, err := io.ReadAll(io.LimitReader(stdin, MaxInputBytes+1))
		done <- result{data, err}
	}()
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("reading inputs from standard input: %w", context.Cause(ctx))
	case r := <-done:
		if r.err != nil {
			return nil, fmt.Errorf("reading inputs from standard input: %w", r.err)
		}
		if len(r.data) > MaxInputBytes {
			return nil, fmt.Errorf("inputs from standard input are more than the %d-byte limit",
				MaxInputBytes)
		}
		return r.data, nil
	}
}

// readFileCapped reads a file that must not exceed limit bytes.
func readFileCapped(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is more than the %d-byte limit", path, limit)
	}
	return data, nil
}

// decodeInputs decodes exactly one JSON object. Numbers stay json.Number so that integers
// beyond 2^53 survive and Inputs.Int can tell 3 from 3.5.
func decodeInputs(data []byte, source string) (map[string]any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("inputs from %s are empty; want a JSON object such as {}", source)
	}
	obj, err := decodeObject(data)
	if err != nil {
		return nil, fmt.Errorf("inputs from %s: %w", source, err)
	}
	return obj, nil
}

// decodeObject decodes data that must hold one JSON object and nothing after it.
func decodeObject(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("not valid JSON: more data after the first JSON value")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want a JSON object, got %s", jsonKind(v))
	}
	return obj, nil
}

// jsonKind names the JSON type of a decoded value for error messages.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	default:
		return fmt.Sprintf("a Go %T", v)
	}
}
