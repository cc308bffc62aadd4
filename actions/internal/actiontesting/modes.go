package actiontesting

import (
	"strings"
	"testing"

	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// inputModes are the three ways the controller can hand an action its inputs (DESIGN D3).
var inputModes = []struct {
	name string
	mode actiontest.InputMode
}{{"ACTION_INPUTS", actiontest.ViaEnv}, {"ACTION_INPUTS_FILE", actiontest.ViaFile}, {"standard input", actiontest.ViaStdin}}

// EveryInputMode runs the action once per input mode, each in a subtest named after it. run
// runs the action with the same inputs each time and passes opts on to actiontest.Run. Every
// run must succeed and print exactly one line, the output line, on standard output: anything
// else there would break the controller's reading of the outputs. check then asserts the
// outputs, which must not depend on the mode.
func EveryInputMode(t *testing.T, run func(t *testing.T, opts ...actiontest.Option) actiontest.Result,
	check func(t *testing.T, r actiontest.Result)) {
	t.Helper()
	for _, m := range inputModes {
		t.Run(m.name, func(t *testing.T) {
			r := run(t, actiontest.WithInputMode(m.mode))

			MustSucceed(t, r)
			if lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n"); len(lines) != 1 {
				t.Errorf("stdout has %d lines, want only the output line:\n%s", len(lines), r.Stdout)
			}
			check(t, r)
		})
	}
}

// Refused is a set of inputs that the action's contract refuses, and a part of the message
// that must say why.
type Refused struct {
	// Name is the subtest's name, a sentence: "a misspelt input".
	Name string
	// Inputs are the inputs; nil is no inputs at all.
	Inputs map[string]any
	// Want is what standard error must contain, usually the input's JSON pointer and reason.
	Want string
}

// InputsAreRefused runs the action once per case, each in a subtest, and checks that it exits
// with code 2 (an input error) and names the reason. run must give the action NoCluster(t), so
// that the test also proves that nothing was contacted before the inputs were checked.
func InputsAreRefused(t *testing.T, run func(t *testing.T, inputs map[string]any) actiontest.Result, cases []Refused) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			MustFail(t, run(t, c.Inputs), action.ExitInputError, c.Want)
		})
	}
}
