package image

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/google/go-containerregistry/pkg/v1"
)

// BuildGoAction compiles the Go main package in pkgDir as a static linux binary (CGO_ENABLED=0,
// trimmed paths, no build id, so the binary and hence the image are reproducible) and builds the
// action image from it and contractFile. opts supplies the rest (base, contract path, epoch…);
// its EntrypointFile and ContractFile are ignored. An empty opts.Architecture means the
// architecture of this machine, so tests can run the binary they built. The contract is parsed
// before compiling, so a bad contract fails fast.
func BuildGoAction(ctx context.Context, pkgDir, contractFile string, opts BuildOptions) (v1.Image, error) {
	if _, _, err := readContract(contractFile); err != nil {
		return nil, err
	}
	if opts.Architecture == "" {
		opts.Architecture = runtime.GOARCH
	}
	tmp, err := os.MkdirTemp("", "kubernaut-go-action-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	binary := filepath.Join(tmp, "action-entrypoint")
	if err := compileGo(ctx, pkgDir, binary, opts.Architecture); err != nil {
		return nil, err
	}
	opts.EntrypointFile = binary
	opts.ContractFile = contractFile
	return Build(ctx, opts)
}

// compileGo builds the Go main package in pkgDir into out as a static linux binary for arch,
// reproducibly: no cgo, trimmed paths, no VCS stamp and no build id.
func compileGo(ctx context.Context, pkgDir, out, arch string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("building %s: the go command is needed: %w", pkgDir, err)
	}
	cmd := exec.CommandContext(ctx, goBin, "build", "-trimpath", "-buildvcs=false",
		"-ldflags=-s -w -buildid=", "-o", out, ".")
	cmd.Dir = pkgDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build in %s (GOOS=linux GOARCH=%s): %w\n%s", pkgDir, arch, err, output)
	}
	return nil
}
