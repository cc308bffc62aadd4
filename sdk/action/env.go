package action

import (
	"io"
	"os"

	"github.com/kubernaut/kubernaut/sdk/contract"
)

// Env is everything the runtime takes from its process: variables, standard streams and the
// contract. [Main] fills it from the real process with [OSEnv]; tests build one by hand so that
// a run touches neither the process environment nor its streams.
type Env struct {
	// Getenv reads a variable; nil means no variable is set.
	Getenv func(key string) string
	// Stdin is the inputs source of last resort; nil means there is no standard input.
	Stdin io.Reader
	// StdinIsTerminal reports that Stdin is a terminal or another character device, which
	// the runtime never reads inputs from (it would wait for a user who is not there).
	StdinIsTerminal bool
	// Stdout receives only the output line; nil discards it.
	Stdout io.Writer
	// Stderr receives logs and error messages; nil discards them.
	Stderr io.Writer
	// Contract, when set, is used as is and no contract file is read.
	Contract *contract.ActionContract
	// DefaultContractPath is read, when it exists, if neither Contract nor
	// ACTION_CONTRACT_PATH is set. Empty means there is no default (the choice of tests).
	DefaultContractPath string
}

// OSEnv returns the Env of the running process, with contract.DefaultPath as the default
// contract location.
func OSEnv() Env {
	return Env{
		Getenv:              os.Getenv,
		Stdin:               os.Stdin,
		StdinIsTerminal:     isCharDevice(os.Stdin),
		Stdout:              os.Stdout,
		Stderr:              os.Stderr,
		DefaultContractPath: contract.DefaultPath,
	}
}

// isCharDevice reports whether f is a terminal or another character device such as /dev/null.
// Neither can carry inputs: a terminal has nobody typing, and /dev/null is what a container
// without stdin gets, for which "no inputs" is the helpful message rather than "empty stdin".
func isCharDevice(f *os.File) bool {
	info, err := f.Stat()
	if err != nil {
		return true // no usable stdin at all
	}
	return info.Mode()&os.ModeCharDevice != 0
}

// withDefaults fills the nil fields of env so the rest of the runtime needs no nil checks.
func (env Env) withDefaults() Env {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if env.Stdout == nil {
		env.Stdout = io.Discard
	}
	if env.Stderr == nil {
		env.Stderr = io.Discard
	}
	return env
}
