package cli

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDevDeployRefusesKeysWithoutRegistryEntries(t *testing.T) {
	runCLI(t, "dev", "deploy", "--key-pub", "cosign.pub", "--state-dir", t.TempDir()).
		mustFail(t, exitUsage, "--key-pub needs --registry-entries")
}

func TestDevDeployRefusesAMisspeltRegistryEntryBeforeTouchingTheCluster(t *testing.T) {
	file := filepath.Join(t.TempDir(), "registry.yaml")
	if err := os.WriteFile(file, []byte("demo/greet:\n  imagee: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runCLI(t, "dev", "deploy", "--registry-entries", file, "--state-dir", t.TempDir()).
		mustFail(t, exitError, `imagee`)
}

func TestDevDeployNeedsARunningCluster(t *testing.T) {
	runCLI(t, "dev", "deploy", "--state-dir", t.TempDir()).
		mustFail(t, exitError, "dev cluster is not up")
}

func TestManagerImageNeedsARegistry(t *testing.T) {
	runCLI(t, "dev", "manager-image").mustFail(t, exitUsage, "--registry is required")
}
