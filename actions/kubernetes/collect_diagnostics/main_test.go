package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// cluster is the real API server shared by this package's tests; each test has a namespace.
var cluster *kubetest.Cluster

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m, &cluster)) }

const contractFile = "action-contract.yaml"

// runAction runs the action as the sandbox's ServiceAccount with ws as the workspace, through
// the SDK's runtime with the contract, exactly as the container would.
func runAction(t *testing.T, sb *kubetest.Sandbox, ws string, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	return runActionWith(t, collector{kube: sb.ActionEnv(), workspace: ws}, inputs, opts...)
}

func runActionWith(t *testing.T, c collector, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	opts = append([]actiontest.Option{actiontest.WithContractFile(contractFile), actiontest.WithContext(kubetest.Context(t))}, opts...)
	return actiontest.Run(t, c.run, inputs, opts...)
}

// readFile returns the content of a file the action wrote, failing the test when it is absent.
func readFile(t *testing.T, elem ...string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(elem...))
	if err != nil {
		t.Fatalf("the action did not write %s: %v", filepath.Join(elem...), err)
	}
	return string(data)
}

// background is a context for arranging objects.
var background = context.Background()
