package image

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestBuildGoActionCompilesARunnableStaticBinary(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	ctx := context.Background()
	pkg, contractFile := "testdata/hello-action", "testdata/hello-action/action-contract.yaml"
	img, err := BuildGoAction(ctx, pkg, contractFile, BuildOptions{})
	if err != nil {
		t.Fatalf("BuildGoAction: %v", err)
	}
	again, err := BuildGoAction(ctx, pkg, contractFile, BuildOptions{})
	if err != nil {
		t.Fatalf("BuildGoAction again: %v", err)
	}
	if mustDigest(t, img) != mustDigest(t, again) {
		t.Errorf("two builds of the same package gave %s and %s", mustDigest(t, img), mustDigest(t, again))
	}
	cf := mustConfig(t, img)
	if cf.Architecture != runtime.GOARCH || cf.Config.Labels[LabelActionName] != "hello" {
		t.Errorf("architecture %q, action label %q; want %q and %q", cf.Architecture, cf.Config.Labels[LabelActionName], runtime.GOARCH, "hello")
	}

	var binary []byte
	for _, e := range layerEntries(t, mustLayers(t, img)[0]) {
		if e.Name == "action-entrypoint" {
			binary = []byte(e.Content)
		}
	}
	if !strings.HasPrefix(string(binary), "\x7fELF") {
		t.Fatalf("/action-entrypoint is not an ELF binary (%d bytes)", len(binary))
	}
	if runtime.GOOS != "linux" {
		t.Fatalf("this test runs the linux binary it built and needs linux, not %s", runtime.GOOS)
	}
	exe := filepath.Join(t.TempDir(), "action-entrypoint")
	if err := os.WriteFile(exe, binary, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(ctx, exe).Output()
	if err != nil {
		t.Fatalf("running the built action: %v", err)
	}
	if got, want := strings.TrimSpace(string(out)), `{"greeting":"hello from an action image"}`; got != want {
		t.Errorf("action output = %q, want %q", got, want)
	}
}

func TestBuildGoActionChecksTheContractBeforeCompiling(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "contract.yaml")
	writeFile(t, bad, "kind: NotAContract\n", 0o644)
	// The package does not exist either: an error about it would mean go build ran first.
	_, err := BuildGoAction(context.Background(), "testdata/absent", bad, BuildOptions{})
	if err == nil || !strings.HasPrefix(err.Error(), "contract file "+bad+": ") {
		t.Errorf("error = %v, want the contract error", err)
	}
}
