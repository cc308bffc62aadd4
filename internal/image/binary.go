package image

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// BuildBinary builds a non-action image whose entrypoint is the executable binaryPath, placed at
// /<base name of binaryPath>: the same reproducible layer (with /tmp), non-root User and OCI
// base handling as Build, but no contract, so it suits Kubernaut's own components such as the
// manager. opts supplies base, architecture and epoch; EntrypointFile, ContractFile and
// ContractPath are ignored.
func BuildBinary(ctx context.Context, binaryPath string, opts BuildOptions) (v1.Image, error) {
	data, err := readEntrypoint(binaryPath)
	if err != nil {
		return nil, err
	}
	epoch, err := resolveEpoch(opts.Epoch)
	if err != nil {
		return nil, err
	}
	base, err := loadBase(ctx, opts)
	if err != nil {
		return nil, err
	}
	title := filepath.Base(binaryPath)
	entrypoint := "/" + title
	layer, err := actionLayer([]layerFile{{path: entrypoint, mode: 0o755, data: data}}, epoch)
	if err != nil {
		return nil, err
	}
	img, err := mutate.Append(base.image, mutate.Addendum{
		Layer:   layer,
		History: v1.History{Created: v1.Time{Time: epoch}, CreatedBy: "kubernaut binary build", Comment: entrypoint},
	})
	if err != nil {
		return nil, fmt.Errorf("adding the binary layer: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading the image config: %w", err)
	}
	cfg := cf.DeepCopy()
	cfg.OS, cfg.Architecture, cfg.Variant = "linux", base.architecture, base.variant
	cfg.Created = v1.Time{Time: epoch}
	cfg.Config.Entrypoint, cfg.Config.Cmd, cfg.Config.User = []string{entrypoint}, nil, User
	cfg.Config.Labels = map[string]string{LabelTitle: title}
	if base.name != "" {
		cfg.Config.Labels[LabelBaseName] = base.name
		cfg.Config.Labels[LabelBaseDigest] = base.digest.String()
	}
	return mutate.ConfigFile(img, cfg)
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
