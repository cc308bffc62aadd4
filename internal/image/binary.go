package image

import (
	"context"
	"os"
	"path/filepath"
	"runtime"

	"github.com/google/go-containerregistry/pkg/v1"
)

// BuildBinary builds a non-action image whose entrypoint is the executable binaryPath, placed at
// /<base name of binaryPath>: the same reproducible layer (with /tmp), non-root User and OCI
// base handling as Build, but no contract, so it suits Kubernaut's own components such as the
// manager. opts supplies base, architecture and epoch; EntrypointFile, ContractFile and
// ContractPath are ignored.
func BuildBinary(ctx context.Context, binaryPath string, opts BuildOptions) (v1.Image, error) {
	return BuildBinaryAt(ctx, binaryPath, BinaryPlacement{Path: "/" + filepath.Base(binaryPath)}, opts)
}

// BuildGoBinary compiles the Go main package in pkgDir as a static linux binary called name
// (reproducibly, as BuildGoAction does) and builds it into an image with BuildBinary. An empty
// opts.Architecture means the architecture of this machine.
func BuildGoBinary(ctx context.Context, pkgDir, name string, opts BuildOptions) (v1.Image, error) {
	if opts.Architecture == "" {
		opts.Architecture = runtime.GOARCH
	}
	tmp, err := os.MkdirTemp("", "kubernaut-go-binary-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	binary := filepath.Join(tmp, name)
	if err := compileGo(ctx, pkgDir, binary, opts.Architecture); err != nil {
		return nil, err
	}
	return BuildBinary(ctx, binary, opts)
}
