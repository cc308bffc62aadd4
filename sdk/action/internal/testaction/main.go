// Command testaction is the action the SDK's tests compile and run as a real process. Its
// inputs switch on each behaviour the runtime has to handle: success, failure, panic,
// unserialisable outputs, outputs the contract rejects, stray writes to stdout, and waiting
// for SIGTERM.
package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/kubernaut/kubernaut/sdk/action"
)

func main() { action.Main(echo) }

// echoInputs are the inputs; the contract in ../../testdata/contract.yaml declares them.
type echoInputs struct {
	Message       string `json:"message"`
	Repeat        int    `json:"repeat"`
	Fail          bool   `json:"fail"`
	Panic         bool   `json:"panic"`
	NaNOutput     bool   `json:"nanOutput"`
	WrongOutput   bool   `json:"wrongOutput"`
	StrayStdout   bool   `json:"strayStdout"`
	WaitForSignal bool   `json:"waitForSignal"`
}

func echo(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	var args echoInputs
	if err := in.Decode(&args); err != nil {
		return nil, err
	}
	message, err := in.String("message")
	if err != nil {
		return nil, err
	}
	repeat, err := in.IntOr("repeat", 1)
	if err != nil {
		return nil, err
	}
	action.Logf(ctx, "echoing %q %d time(s)", message, repeat)
	if args.StrayStdout {
		// No newline on purpose: the output line must still be a line of its own.
		fmt.Fprint(os.Stdout, "stray text on stdout")
	}
	switch {
	case args.Fail:
		return nil, errors.New("failing on request")
	case args.Panic:
		panic("panicking on request")
	case args.NaNOutput:
		return action.Outputs{"value": math.NaN()}, nil
	case args.WrongOutput:
		return action.Outputs{"length": "not a number"}, nil
	case args.WaitForSignal:
		action.Logf(ctx, "waiting for a signal")
		<-ctx.Done()
		return nil, fmt.Errorf("stopped: %w", ctx.Err())
	}
	text := strings.Repeat(message, int(repeat))
	return action.Outputs{"echo": text, "length": len(text), "words": strings.Fields(text)}, nil
}
