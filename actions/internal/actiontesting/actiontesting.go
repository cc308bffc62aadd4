// Package actiontesting holds the assertions that the tests of every built-in action make, so
// that an action's tests state only what is particular to it. Above all it holds the container
// contract's input-mode test (EveryInputMode) and the refused-inputs test (InputsAreRefused):
// the same proof for every action, written once.
//
// The actions run through sdk/actiontest, the SDK's runtime with the real contract, exactly as
// the container would; nothing here replaces that.
package actiontesting

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// Run runs fn through the SDK's runtime with the contract in contractFile (its inputs
// checked, its defaults applied), exactly as the action's container would. opts come after the
// contract's, so a test can choose the input mode or the context.
func Run(t testing.TB, contractFile string, fn action.Func, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	opts = append([]actiontest.Option{actiontest.WithContractFile(contractFile)}, opts...)
	return actiontest.Run(t, fn, inputs, opts...)
}

// MustSucceed fails the test at once unless r is a success, showing the action's log.
func MustSucceed(t testing.TB, r actiontest.Result) {
	t.Helper()
	if r.ExitCode != action.ExitSuccess {
		t.Fatalf("exit code %d, want success; stderr:\n%s", r.ExitCode, r.Stderr)
	}
}

// MustFail fails the test unless r ended with exit code code and its standard error contains
// want. A wrong exit code ends the test at once: the message would not be the one meant.
func MustFail(t testing.TB, r actiontest.Result, code int, want string) {
	t.Helper()
	if r.ExitCode != code {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", r.ExitCode, code, r.Stderr)
	}
	if !strings.Contains(r.Stderr, want) {
		t.Errorf("stderr does not contain %q:\n%s", want, r.Stderr)
	}
}

// DiffOutputs compares r's outputs with want. want is normalized the way the output line
// decodes (numbers as json.Number), so that a test can write plain Go values.
func DiffOutputs(t testing.TB, want map[string]any, r actiontest.Result) {
	t.Helper()
	if diff := cmp.Diff(actiontest.Normalize(t, want), r.Outputs); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
}

// NoCluster is a kube.Env for runs that must fail before they connect: connecting fails the
// test. Its pod namespace is "workflows", so that a run without a namespace input gets as far
// as it would in a pod.
func NoCluster(t testing.TB) kube.Env {
	return kube.Env{
		NewClient: func() (kubernetes.Interface, error) {
			t.Error("the action connected to the API server; it should have failed before")
			return nil, os.ErrInvalid
		},
		PodNamespace: func() (string, error) { return "workflows", nil },
	}
}
