package devcluster

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTheRegistryAlsoServesTheNodeAddressReadOnly(t *testing.T) {
	c := testConfig(t)
	want := []string{"registry", "--addr=127.0.0.1:5000", "--read-only-addr=192.0.2.2:5000",
		"--dir=" + c.layout().registryData()}
	if diff := cmp.Diff(want, registryArgs(c)); diff != "" {
		t.Errorf("registry arguments (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&Cluster{StateDir: c.StateDir, Kubeconfig: c.layout().adminKubeconfig(),
		Registry: "127.0.0.1:5000", NodeRegistry: "192.0.2.2:5000"}, c.cluster()); diff != "" {
		t.Errorf("cluster description (-want +got):\n%s", diff)
	}
}

func TestQueriesReadTheNodeAddressThatUpRecorded(t *testing.T) {
	up := testConfig(t)
	up.RegistryPort = 5123
	if err := saveParams(up); err != nil {
		t.Fatal(err)
	}
	query := &Config{StateDir: up.StateDir}
	if err := query.completeForQuery(); err != nil {
		t.Fatal(err)
	}
	if got := registryNodeHost(query); got != "192.0.2.2:5123" {
		t.Errorf("node registry of a query = %q, want the recorded 192.0.2.2:5123", got)
	}
}

func TestAStateDirWithoutANodeAddressHasNoNodeRegistry(t *testing.T) {
	c := &Config{StateDir: t.TempDir()}
	if err := c.completeForQuery(); err != nil {
		t.Fatal(err)
	}
	if c.NodeIP != nil || registryNodeHost(c) != "" {
		t.Errorf("node IP %v, node registry %q; want neither", c.NodeIP, registryNodeHost(c))
	}
}

func TestRunningRefusesAClusterThatIsNotUpAndNamesWhatIsDown(t *testing.T) {
	_, err := Running(context.Background(), Config{StateDir: t.TempDir()})
	if !errors.Is(err, ErrNotUp) {
		t.Fatalf("Running on an empty state dir: %v, want ErrNotUp", err)
	}
	for _, want := range []string{"registry", "kube-apiserver", "kubernaut dev cluster up"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
