//go:build e2e

package e2e

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kubernaut/kubernaut/internal/devcluster"
)

func TestUpOnARunningClusterRestartsNothing(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := devcluster.Config{StateDir: os.Getenv("KUBERNAUT_DEV_STATE_DIR")}
	before, err := devcluster.GetStatus(ctx, cfg)
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	if !before.Up() {
		t.Fatalf("cluster not up before the test:\n%s", before)
	}
	if _, err := devcluster.Up(ctx, cfg); err != nil {
		t.Fatalf("second up: %v", err)
	}
	after, err := devcluster.GetStatus(ctx, cfg)
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("components changed across a second up (-before +after):\n%s", diff)
	}
}
