// Command kubernaut is the Kubernaut CLI: build, sign and verify action images, inspect their
// contracts, and run a local development cluster.
package main

import (
	"os"

	"github.com/kubernaut/kubernaut/internal/cli"
)

func main() {
	os.Exit(cli.Execute(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
