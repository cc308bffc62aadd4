package action_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kubernaut/kubernaut/sdk/action"
)

// These tests compile internal/testaction once and run that same binary as a real process in
// every input mode, proving the container contract end to end: streams, exit codes, files.

var (
	buildDir  string
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kubernaut-sdk-action-")
	if err != nil {
		panic(err)
	}
	buildDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// testActionBinary builds internal/testaction on first use and returns its path.
func testActionBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			buildErr = errors.New("the go command is needed to build the test action but is not on PATH")
			return
		}
		buildPath = filepath.Join(buildDir, "testaction")
		cmd := exec.Command(goTool, "build", "-o", buildPath, "./internal/testaction")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = errors.New("building the test action: " + err.Error() + "\n" + string(out))
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// contractPath is the test action's contract, which every run uses.
func contractPath(t *testing.T) string {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("testdata", "contract.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// processEnv is a minimal environment: the test's own ACTION_* variables never leak in.
func processEnv(t *testing.T, vars ...string) []string {
	return append([]string{"PATH=" + os.Getenv("PATH"), action.EnvContractPath + "=" + contractPath(t)}, vars...)
}

type processResult struct {
	Stdout, Stderr string
	ExitCode       int
}

// runProcess runs cmd to completion and returns its streams and exit code.
func runProcess(t *testing.T, cmd *exec.Cmd) processResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("running %v: %v", cmd.Args, err)
	}
	return processResult{Stdout: stdout.String(), Stderr: stderr.String(), ExitCode: cmd.ProcessState.ExitCode()}
}

const helloInputs = `{"message":"hi "}`

// helloOutputs is what the test action returns for helloInputs; repeat defaults to 2 from the
// contract (the action's own fallback is 1, so this also proves contract defaulting).
var helloOutputs = map[string]any{"echo": "hi hi ", "length": json.Number("6"), "words": []any{"hi", "hi"}}

func TestTheSameBinaryReadsInputsInEveryMode(t *testing.T) {
	bin := testActionBinary(t)
	inputsFile := filepath.Join(t.TempDir(), "inputs.json")
	if err := os.WriteFile(inputsFile, []byte(helloInputs), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cmd  func() *exec.Cmd
	}{
		{"inputs in ACTION_INPUTS are read", func() *exec.Cmd {
			cmd := exec.Command(bin)
			cmd.Env = processEnv(t, action.EnvInputs+"="+helloInputs)
			return cmd
		}},
		{"inputs in the file named by ACTION_INPUTS_FILE are read", func() *exec.Cmd {
			cmd := exec.Command(bin)
			cmd.Env = processEnv(t, action.EnvInputsFile+"="+inputsFile)
			return cmd
		}},
		{"inputs piped to stdin are read", func() *exec.Cmd {
			cmd := exec.Command(bin)
			cmd.Env = processEnv(t)
			cmd.Stdin = strings.NewReader(helloInputs)
			return cmd
		}},
		{"inputs echoed into the action by a shell, as in the seed, are read", func() *exec.Cmd {
			cmd := exec.Command("sh", "-c", "echo '"+helloInputs+"' | "+bin)
			cmd.Env = processEnv(t)
			return cmd
		}},
		{"ACTION_INPUTS wins over a file and stdin", func() *exec.Cmd {
			cmd := exec.Command(bin)
			cmd.Env = processEnv(t, action.EnvInputs+"="+helloInputs, action.EnvInputsFile+"=/nonexistent")
			cmd.Stdin = strings.NewReader("not json")
			return cmd
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runProcess(t, tt.cmd())
			if r.ExitCode != action.ExitSuccess {
				t.Fatalf("exit code %d, want 0; stderr:\n%s", r.ExitCode, r.Stderr)
			}
			assertOnlyOutputLine(t, r.Stdout, helloOutputs)
			if want := `echoing "hi " 2 time(s)`; !strings.Contains(r.Stderr, want) {
				t.Errorf("stderr does not hold the log line %q:\n%s", want, r.Stderr)
			}
		})
	}
}

// assertOnlyOutputLine checks that stdout is exactly one line holding want.
func assertOnlyOutputLine(t *testing.T, stdout string, want map[string]any) {
	t.Helper()
	if strings.Count(stdout, "\n") != 1 || !strings.HasSuffix(stdout, "\n") {
		t.Errorf("stdout is not exactly one line: %q", stdout)
	}
	got, err := action.ParseOutputs([]byte(stdout))
	if err != nil {
		t.Fatalf("ParseOutputs(stdout): %v; stdout %q", err, stdout)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
}

func TestTheBinaryExitsWithTheDocumentedCodeOnEachFailure(t *testing.T) {
	bin := testActionBinary(t)
	tests := []struct {
		name       string
		inputs     string // passed in ACTION_INPUTS unless stdin is set
		stdin      string
		devNull    bool
		wantCode   int
		wantStderr []string
	}{
		{name: "stdin from /dev/null, as in a container without stdin, means no inputs",
			devNull: true, wantCode: action.ExitInputError,
			wantStderr: []string{"no inputs", action.EnvInputs, action.EnvInputsFile, "standard input"}},
		{name: "an empty stdin pipe is an error, not an empty object",
			stdin: "\n", wantCode: action.ExitInputError, wantStderr: []string{"standard input are empty"}},
		{name: "inputs that are not JSON are rejected", inputs: "replicas=3",
			wantCode: action.ExitInputError, wantStderr: []string{"not valid JSON"}},
		{name: "inputs that are a JSON array are rejected", inputs: `["hi"]`,
			wantCode: action.ExitInputError, wantStderr: []string{"want a JSON object, got an array"}},
		{name: "inputs the contract rejects never reach the action", inputs: `{"repeat":3}`,
			wantCode: action.ExitInputError, wantStderr: []string{"contract echo", "/message"}},
		{name: "an error returned by the action is a failure", inputs: `{"message":"x","fail":true}`,
			wantCode: action.ExitActionFailed, wantStderr: []string{"action failed: failing on request"}},
		{name: "a panic in the action is a failure with its stack", inputs: `{"message":"x","panic":true}`,
			wantCode: action.ExitActionFailed, wantStderr: []string{"panic: panicking on request", "main.echo"}},
		{name: "outputs that JSON cannot encode are an output error", inputs: `{"message":"x","nanOutput":true}`,
			wantCode: action.ExitOutputError, wantStderr: []string{"not serialisable to JSON"}},
		{name: "outputs of a type the contract does not declare are an output error",
			inputs: `{"message":"x","wrongOutput":true}`, wantCode: action.ExitOutputError,
			wantStderr: []string{"outputs do not match contract", "/length"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin)
			cmd.Env = processEnv(t)
			switch {
			case tt.devNull:
				devNull, err := os.Open(os.DevNull)
				if err != nil {
					t.Fatal(err)
				}
				defer devNull.Close()
				cmd.Stdin = devNull
			case tt.stdin != "":
				cmd.Stdin = strings.NewReader(tt.stdin)
			default:
				cmd.Env = append(cmd.Env, action.EnvInputs+"="+tt.inputs)
			}
			r := runProcess(t, cmd)
			assertFailure(t, r, tt.wantCode, tt.wantStderr)
		})
	}
}

// assertFailure checks the exit code, that stdout carries no output line and that stderr
// explains the failure.
func assertFailure(t *testing.T, r processResult, wantCode int, wantStderr []string) {
	t.Helper()
	if r.ExitCode != wantCode {
		t.Errorf("exit code %d, want %d; stderr:\n%s", r.ExitCode, wantCode, r.Stderr)
	}
	if r.Stdout != "" {
		t.Errorf("a failed run printed to stdout: %q", r.Stdout)
	}
	for _, want := range wantStderr {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr does not mention %q:\n%s", want, r.Stderr)
		}
	}
}

func TestTheBinaryWithATerminalAndNoInputsExplainsTheThreeWays(t *testing.T) {
	bin := testActionBinary(t)
	script, err := exec.LookPath("script")
	if err != nil {
		t.Fatal("this test needs `script` from util-linux to give the action a terminal as stdin: " +
			"install util-linux (Debian: apt-get install bsdutils)")
	}
	// script runs the action on a pseudo-terminal, so its stdin is a terminal; -e returns the
	// action's exit code. The terminal merges stdout and stderr into script's stdout.
	cmd := exec.Command(script, "-qec", bin, os.DevNull)
	cmd.Env = processEnv(t)
	r := runProcess(t, cmd)
	if r.ExitCode != action.ExitInputError {
		t.Errorf("exit code %d, want %d; output:\n%s%s", r.ExitCode, action.ExitInputError, r.Stdout, r.Stderr)
	}
	for _, want := range []string{"no inputs", action.EnvInputs, action.EnvInputsFile, "standard input"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("terminal output does not mention %q:\n%s", want, r.Stdout)
		}
	}
}

func TestTheBinaryKeepsStrayStdoutWritesOffTheOutputLine(t *testing.T) {
	cmd := exec.Command(testActionBinary(t))
	cmd.Env = processEnv(t, action.EnvInputs+`={"message":"hi ","strayStdout":true}`)
	r := runProcess(t, cmd)
	if r.ExitCode != action.ExitSuccess {
		t.Fatalf("exit code %d, want 0; stderr:\n%s", r.ExitCode, r.Stderr)
	}
	assertOnlyOutputLine(t, r.Stdout, helloOutputs)
	if !strings.Contains(r.Stderr, "stray text on stdout") {
		t.Errorf("the stray write did not go to stderr:\n%s", r.Stderr)
	}
}

func TestTheBinaryWritesOutputsWhereTheEngineAsks(t *testing.T) {
	dir := t.TempDir()
	resultsDir := filepath.Join(dir, "results")
	if err := os.Mkdir(resultsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	outputsPath := filepath.Join(dir, "outputs.json")
	cmd := exec.Command(testActionBinary(t))
	cmd.Env = processEnv(t, action.EnvInputs+"="+helloInputs,
		action.EnvResultsDir+"="+resultsDir, action.EnvOutputsPath+"="+outputsPath)
	r := runProcess(t, cmd)
	if r.ExitCode != action.ExitSuccess {
		t.Fatalf("exit code %d, want 0; stderr:\n%s", r.ExitCode, r.Stderr)
	}
	assertOnlyOutputLine(t, r.Stdout, helloOutputs)
	want := map[string]string{
		"echo":    "hi hi ",
		"length":  "6",
		"words":   `["hi","hi"]`,
		"outputs": strings.TrimSuffix(r.Stdout, "\n"),
	}
	if diff := cmp.Diff(want, readDir(t, resultsDir)); diff != "" {
		t.Errorf("results directory (-want +got):\n%s", diff)
	}
	got, err := os.ReadFile(outputsPath)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != r.Stdout {
		t.Errorf("%s holds %q, want the output line %q", action.EnvOutputsPath, got, r.Stdout)
	}
}

// readDir returns every file in dir with its content.
func readDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(data)
	}
	return files
}

func TestTheBinaryStopsWithAFailureOnSIGTERM(t *testing.T) {
	cmd := exec.Command(testActionBinary(t))
	cmd.Env = processEnv(t, action.EnvInputs+`={"message":"x","waitForSignal":true}`)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderrPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waiting, stderr := watchLines(stderrPipe, "waiting for a signal")
	select {
	case <-waiting:
	case <-time.After(time.Minute): // a guard against hanging, not a timing assertion
		_ = cmd.Process.Kill()
		t.Fatalf("the action did not log that it waits for a signal; stderr:\n%s", <-stderr)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := processResult{Stderr: <-stderr}
	_ = cmd.Wait() // after reading the pipe to its end, as StderrPipe requires
	r.Stdout, r.ExitCode = stdout.String(), cmd.ProcessState.ExitCode()
	assertFailure(t, r, action.ExitActionFailed, []string{"stopped: context canceled"})
}

// watchLines reads r to its end. The first channel is closed when a line contains want; the
// second then yields everything read.
func watchLines(r io.Reader, want string) (<-chan struct{}, <-chan string) {
	seen, all := make(chan struct{}), make(chan string, 1)
	go func() {
		var text strings.Builder
		found := false
		scanner := bufio.NewScanner(r)
		for scanner.Scan() {
			text.WriteString(scanner.Text() + "\n")
			if !found && strings.Contains(scanner.Text(), want) {
				found = true
				close(seen)
			}
		}
		all <- text.String()
	}()
	return seen, all
}
