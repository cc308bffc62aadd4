// Command greet is the smallest useful Kubernaut action, the example the README and the demo
// build, sign and run. It reads a name, greets it the requested number of times, and reports
// what it said.
package main

import (
	"context"
	"strings"

	"github.com/kubernaut/kubernaut/sdk/action"
)

func main() { action.Main(greet) }

func greet(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	name, err := in.String("name")
	if err != nil {
		return nil, err
	}
	times, err := in.Int("times") // defaulted by the contract when absent
	if err != nil {
		return nil, err
	}
	action.Logf(ctx, "greeting %s %d time(s)", name, times)
	greeting := strings.TrimSpace(strings.Repeat("Hello, "+name+"! ", int(times)))
	return action.Outputs{"greeting": greeting, "length": len(greeting)}, nil
}
