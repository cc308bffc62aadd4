package main

import (
	"os"
	"testing"
	"time"

	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// cluster is the real API server shared by this package's tests; each test has a namespace.
var cluster *kubetest.Cluster

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m, &cluster)) }

const contractFile = "action-contract.yaml"

// runAction runs the action as the sandbox's ServiceAccount, through the SDK's runtime with the
// contract, exactly as the container would.
func runAction(t *testing.T, sb *kubetest.Sandbox, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	return sb.Run(t, restarter{kube: sb.ActionEnv(), now: clock}.run, inputs, opts...)
}

// now is the time of every restart in the tests, and clock returns it.
var now = time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)

func clock() time.Time { return now }
