// Package actiontest runs an action function in a unit test through the same code path as
// action.Main: input sources, contract validation and defaulting, panic recovery, output
// line and result files, exit codes. The run is hermetic: it reads no process environment
// variable, no real standard stream and no /action-contract.yaml.
//
//	func TestScale(t *testing.T) {
//		r := actiontest.Run(t, scale, map[string]any{"replicas": 3},
//			actiontest.WithContractFile("contract.yaml"))
//		if r.ExitCode != action.ExitSuccess {
//			t.Fatalf("exit %d: %s", r.ExitCode, r.Stderr)
//		}
//		want := actiontest.Normalize(t, map[string]any{"previousReplicas": 1})
//		if diff := cmp.Diff(want, r.Outputs); diff != "" {
//			t.Errorf("outputs (-want +got):\n%s", diff)
//		}
//	}
package actiontest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubernaut/kubernaut/sdk/action"
)

// Result is what one run produced.
type Result struct {
	// Outputs is the parsed output line; nil unless ExitCode is action.ExitSuccess. Numbers
	// are json.Number, as the engine sees them; compare against Normalize(t, want).
	Outputs map[string]any
	// Stdout is everything written to standard output: the output line, or nothing.
	Stdout string
	// Stderr holds the logs and the error message of a failed run.
	Stderr string
	// ExitCode is the code the process would exit with (action.ExitSuccess, ...).
	ExitCode int
}

// InputMode selects how the inputs reach the action.
type InputMode int

// The input modes of the container contract.
const (
	// ViaEnv passes the inputs in ACTION_INPUTS, as both engines do (the default).
	ViaEnv InputMode = iota
	// ViaFile writes the inputs to a file and names it in ACTION_INPUTS_FILE.
	ViaFile
	// ViaStdin pipes the inputs to standard input, as `echo '{…}' | action` does.
	ViaStdin
	// NoInputs passes no inputs at all and makes standard input a terminal.
	NoInputs
)

// Option adjusts a run.
type Option func(*config)

type config struct {
	mode     InputMode
	raw      *string
	env      map[string]string
	contract string // YAML document to write to a file
	ctx      context.Context
}

// WithInputMode selects how the inputs are passed (default ViaEnv).
func WithInputMode(m InputMode) Option { return func(c *config) { c.mode = m } }

// WithRawInputs passes raw exactly, instead of the JSON encoding of the inputs argument, to
// test inputs that are not a JSON object or are empty.
func WithRawInputs(raw string) Option { return func(c *config) { c.raw = &raw } }

// WithContractFile validates and defaults the inputs, and checks the outputs, with the
// contract in the file at path, as ACTION_CONTRACT_PATH does in a container.
func WithContractFile(path string) Option { return WithEnv(action.EnvContractPath, path) }

// WithContractYAML is WithContractFile for a contract given as a YAML document.
func WithContractYAML(doc string) Option { return func(c *config) { c.contract = doc } }

// WithEnv sets an environment variable of the run, for example action.EnvResultsDir.
func WithEnv(key, value string) Option { return func(c *config) { c.env[key] = value } }

// WithContext runs the action with ctx instead of t.Context().
func WithContext(ctx context.Context) Option { return func(c *config) { c.ctx = ctx } }

// Run runs fn with inputs and returns what it produced. It fails the test only when the run
// breaks the container contract itself (an exit code of 0 without a parsable output line, or
// an output line after a failure); an action's own failure is reported in the Result.
func Run(t testing.TB, fn action.Func, inputs map[string]any, opts ...Option) Result {
	t.Helper()
	cfg := config{env: map[string]string{}, ctx: t.Context()}
	for _, opt := range opts {
		opt(&cfg)
	}
	var stdout, stderr bytes.Buffer
	env := action.Env{
		Getenv: func(key string) string { return cfg.env[key] },
		Stdout: &stdout,
		Stderr: &stderr,
	}
	raw := rawInputs(t, inputs, cfg.raw)
	dir := t.TempDir()
	if cfg.contract != "" {
		cfg.env[action.EnvContractPath] = writeFile(t, dir, "action-contract.yaml", cfg.contract)
	}
	switch cfg.mode {
	case ViaEnv:
		cfg.env[action.EnvInputs] = raw
	case ViaFile:
		cfg.env[action.EnvInputsFile] = writeFile(t, dir, "inputs.json", raw)
	case ViaStdin:
		env.Stdin = strings.NewReader(raw)
	case NoInputs:
		env.StdinIsTerminal = true
	default:
		t.Fatalf("actiontest: unknown input mode %d", cfg.mode)
	}
	r := Result{ExitCode: action.Run(cfg.ctx, fn, env)}
	r.Stdout, r.Stderr = stdout.String(), stderr.String()
	r.Outputs = checkContract(t, r)
	return r
}

// Normalize returns v as the runtime would deliver it (a JSON round trip with json.Number),
// so that a literal such as map[string]any{"replicas": 3} compares equal to Result.Outputs.
func Normalize(t testing.TB, v map[string]any) map[string]any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("actiontest: Normalize: %v", err)
	}
	out, err := action.ParseOutputs(data)
	if err != nil {
		t.Fatalf("actiontest: Normalize: %v", err)
	}
	return out
}

// rawInputs is the document passed as inputs.
func rawInputs(t testing.TB, inputs map[string]any, raw *string) string {
	t.Helper()
	if raw != nil {
		return *raw
	}
	if inputs == nil {
		return "{}"
	}
	data, err := json.Marshal(inputs)
	if err != nil {
		t.Fatalf("actiontest: inputs are not serialisable to JSON: %v", err)
	}
	return string(data)
}

// checkContract parses the output line of a successful run and checks that a failed run
// printed none.
func checkContract(t testing.TB, r Result) map[string]any {
	t.Helper()
	if r.ExitCode != action.ExitSuccess {
		if r.Stdout != "" {
			t.Errorf("actiontest: run exited %d but printed to standard output: %q", r.ExitCode, r.Stdout)
		}
		return nil
	}
	if n := strings.Count(r.Stdout, "\n"); n != 1 || !strings.HasSuffix(r.Stdout, "\n") {
		t.Errorf("actiontest: standard output holds %d lines, want exactly the output line: %q", n, r.Stdout)
	}
	out, err := action.ParseOutputs([]byte(r.Stdout))
	if err != nil {
		t.Fatalf("actiontest: run succeeded but its output line does not parse: %v", err)
	}
	return out
}

// writeFile writes content to dir/name and returns the path.
func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatalf("actiontest: %v", err)
	}
	return path
}
