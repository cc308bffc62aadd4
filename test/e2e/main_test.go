//go:build e2e

// Package e2e runs the project against a real single-node cluster (tier 3): kubelet, containerd
// and runc really start the pods. TestMain brings the dev cluster up when it is not running and
// leaves the machine as it found it. Run with `make e2e` (root, Linux).
package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubernaut/kubernaut/internal/devcluster"
	"github.com/kubernaut/kubernaut/internal/testutil/clusterimage"
)

// suite is what every test uses: a client for the cluster and the test action's image.
var suite struct {
	client  kubernetes.Interface
	cluster *devcluster.Cluster
	config  devcluster.Config
	// echoImage is the echo action pulled by digest from the local registry.
	echoImage string
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cfg := devcluster.Config{StateDir: os.Getenv("KUBERNAUT_DEV_STATE_DIR"), Progress: os.Stderr}
	suite.config = cfg
	teardown, cluster, err := ensureCluster(ctx, cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: dev cluster: %v\n", err)
		return 1
	}
	code := 1
	if err := setup(ctx, cluster); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: e2e setup: %v\n", err)
	} else {
		code = m.Run()
	}
	if err := teardown(); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: dev cluster teardown: %v\n", err)
		code = 1
	}
	return code
}

// ensureCluster reuses a running cluster, or starts one and returns a teardown that stops it
// again (purging the state directory too if it did not exist before).
func ensureCluster(ctx context.Context, cfg devcluster.Config) (func() error, *devcluster.Cluster, error) {
	status, err := devcluster.GetStatus(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	keep := func() error { return nil }
	if anyRunning(status) {
		// A running (or partly running) cluster is someone's: use it, completing it if need be,
		// and leave it running.
		fmt.Fprintf(os.Stderr, "e2e: using the running dev cluster in %s\n", status.StateDir)
		cl, err := devcluster.Up(ctx, cfg) // re-checks readiness; starts only what is missing
		return keep, cl, err
	}
	_, statErr := os.Stat(status.StateDir)
	fresh := errors.Is(statErr, os.ErrNotExist)
	began := time.Now()
	cl, err := devcluster.Up(ctx, cfg)
	teardown := func() error {
		return devcluster.Down(context.Background(), cfg, devcluster.DownOptions{Purge: fresh})
	}
	if err != nil {
		return nil, nil, errors.Join(err, teardown())
	}
	fmt.Fprintf(os.Stderr, "e2e: dev cluster up in %.1fs (pods creatable)\n", time.Since(began).Seconds())
	return teardown, cl, nil
}

func anyRunning(status devcluster.Status) bool {
	for _, comp := range status.Components {
		if comp.Running {
			return true
		}
	}
	return false
}

// setup connects to the cluster and builds and pushes the test action with the project's builder.
func setup(ctx context.Context, cl *devcluster.Cluster) error {
	suite.cluster = cl
	rc, err := clientcmd.BuildConfigFromFlags("", cl.Kubeconfig)
	if err != nil {
		return err
	}
	// Ten Jobs polled at once exceed client-go's default 5 requests per second.
	rc.QPS, rc.Burst = 100, 200
	if suite.client, err = kubernetes.NewForConfig(rc); err != nil {
		return err
	}
	suite.echoImage, err = clusterimage.PushGoAction(ctx, cl.Registry, "e2e/echo", "latest", filepath.Join("testdata", "echo-action"))
	return err
}
