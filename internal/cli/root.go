// Package cli holds the cobra commands of the kubernaut CLI. Commands are thin: they parse flags,
// call the library packages and print; all logic lives in those packages.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes of the CLI.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// streams are the process's standard streams, injected so commands are testable.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

// usageError marks errors caused by wrong flags or arguments (exit code 2).
type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// Execute runs the CLI with args and returns the process exit code.
func Execute(args []string, in io.Reader, out, errOut io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCommand(streams{in: in, out: out, err: errOut})
	root.SetArgs(args)
	root.SetIn(in)
	root.SetOut(out)
	root.SetErr(errOut)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(errOut, "Error:", err)
		var ue usageError
		if errors.As(err, &ue) {
			return exitUsage
		}
		return exitError
	}
	return exitOK
}

func newRootCommand(s streams) *cobra.Command {
	root := &cobra.Command{
		Use:           "kubernaut",
		Short:         "Build, sign, verify and inspect Kubernaut action images",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		newVersionCommand(s),
		newGenerateKeyPairCommand(s),
		newSignCommand(s),
		newVerifyCommand(s),
		newActionCommand(s),
		newContractCommand(s),
		newValidateCommand(s),
		newWorkflowCommand(s),
		newDevCommand(),
	)
	return root
}
