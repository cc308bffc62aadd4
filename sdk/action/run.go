package action

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/kubernaut/kubernaut/sdk/contract"
)

// Func is an action: it receives the validated, defaulted inputs and returns its outputs, or
// an error when the action failed. ctx ends when the container is asked to stop (SIGTERM or
// interrupt); an action should then clean up and return.
type Func func(ctx context.Context, in *Inputs) (Outputs, error)

// Main runs fn as the action of this process and exits with the code Run returns. Call it
// from main and nothing else:
//
//	func main() { action.Main(myAction) }
//
// From here on os.Stdout points to standard error, so that whatever the action prints there
// by accident (fmt.Println, a subprocess given os.Stdout) becomes a log line instead of
// corrupting the output line, which the runtime writes to the real standard output last.
func Main(fn Func) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal the default handling returns, so a second one ends an action
	// that ignores its context.
	context.AfterFunc(ctx, stop)
	env := OSEnv()
	os.Stdout = os.Stderr
	code := Run(ctx, fn, env)
	stop()
	os.Exit(code)
}

// Run is Main without the process: it reads inputs from env, checks them against the
// contract, calls fn, delivers the outputs and returns the exit code (ExitSuccess, ...).
// Every problem is reported on env.Stderr; env.Stdout receives the output line and nothing
// else.
func Run(ctx context.Context, fn Func, env Env) int {
	env = env.withDefaults()
	ctx = withLogger(ctx, env.Stderr)
	c, in, err := startRun(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "action input error: %v\n", err)
		return ExitInputError
	}
	out, err := callAction(ctx, fn, in)
	if err != nil {
		fmt.Fprintf(env.Stderr, "action failed: %v\n", err)
		return ExitActionFailed
	}
	if err := deliverOutputs(env, c, out); err != nil {
		fmt.Fprintf(env.Stderr, "action output error: %v\n", err)
		return ExitOutputError
	}
	return ExitSuccess
}

// startRun loads the contract, then reads the inputs and checks them against it. The contract
// comes first so that a broken image fails before anything is read from a pipe.
func startRun(ctx context.Context, env Env) (*contract.ActionContract, *Inputs, error) {
	c, err := loadContract(env)
	if err != nil {
		return nil, nil, err
	}
	raw, err := readInputs(ctx, env)
	if err != nil {
		return nil, nil, err
	}
	in, err := prepareInputs(c, raw)
	if err != nil {
		return nil, nil, err
	}
	return c, in, nil
}

// callAction calls fn and turns a panic into an error carrying the panic value and stack, so
// a crash is reported like any other failure instead of as Go's exit code 2, which would
// read as an input error.
func callAction(ctx context.Context, fn Func, in *Inputs) (out Outputs, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("panic: %v\n\n%s", r, debug.Stack())
		}
	}()
	return fn(ctx, in)
}

// deliverOutputs checks the outputs, writes the files the engine asked for and prints the
// output line, in that order: the line is printed only when everything else succeeded, so its
// presence means success, and it is the last thing the run writes to standard output.
func deliverOutputs(env Env, c *contract.ActionContract, out Outputs) error {
	line, err := MarshalOutputs(out)
	if err != nil {
		return err
	}
	decoded, err := decodeObject(line)
	if err != nil {
		return fmt.Errorf("outputs: %w", err) // cannot happen: line came from json.Marshal
	}
	if err := checkOutputs(c, decoded); err != nil {
		return err
	}
	if err := writeOutputFiles(env, line, decoded); err != nil {
		return err
	}
	if _, err := env.Stdout.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("writing the output line to standard output: %w", err)
	}
	return nil
}
