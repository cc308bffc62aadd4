// Command hello is the catalogue tests' action: it greets its input name.
package main

import (
	"context"

	"github.com/kubernaut/kubernaut/sdk/action"
)

func main() { action.Main(hello) }

func hello(_ context.Context, in *action.Inputs) (action.Outputs, error) {
	name, err := in.String("name")
	if err != nil {
		return nil, err
	}
	return action.Outputs{"greeting": "hello, " + name}, nil
}
