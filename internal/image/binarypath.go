package image

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// BinaryPlacement says where BuildBinaryAt puts the binary and what it adds to the image config.
// It exists for images whose consumers expect a fixed layout, such as ko's: Tekton's controller
// runs /ko-app/entrypoint inside the image it is given, so the binary must be exactly there.
type BinaryPlacement struct {
	// Path is the binary's absolute, clean path in the image; it is the entrypoint.
	Path string
	// Env is added to the image's environment, as KEY=value (ko sets KO_DATA_PATH and SSL_CERT_DIR).
	Env []string
}

// BuildBinaryAt is BuildBinary with the binary at place.Path instead of /<base name>, and
// place.Env in the image's environment: the same reproducible layer (with /tmp), non-root User,
// title label (the base name of place.Path) and base handling.
func BuildBinaryAt(ctx context.Context, binaryPath string, place BinaryPlacement, opts BuildOptions) (v1.Image, error) {
	if err := place.check(); err != nil {
		return nil, err
	}
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
	layer, err := actionLayer([]layerFile{{path: place.Path, mode: 0o755, data: data}}, epoch)
	if err != nil {
		return nil, err
	}
	img, err := mutate.Append(base.image, mutate.Addendum{
		Layer:   layer,
		History: v1.History{Created: v1.Time{Time: epoch}, CreatedBy: "kubernaut binary build", Comment: place.Path},
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
	cfg.Config.Entrypoint, cfg.Config.Cmd, cfg.Config.User = []string{place.Path}, nil, User
	cfg.Config.Env = append(slices.Clone(cfg.Config.Env), place.Env...)
	cfg.Config.Labels = map[string]string{LabelTitle: filepath.Base(place.Path)}
	if base.name != "" {
		cfg.Config.Labels[LabelBaseName] = base.name
		cfg.Config.Labels[LabelBaseDigest] = base.digest.String()
	}
	return mutate.ConfigFile(img, cfg)
}

// check refuses a path that is not a file path of its own, and environment entries without a name.
func (p BinaryPlacement) check() error {
	switch {
	case !path.IsAbs(p.Path) || path.Clean(p.Path) != p.Path:
		return fmt.Errorf("binary path %q: must be an absolute, clean path such as /ko-app/controller", p.Path)
	case p.Path == "/" || p.Path == "/tmp" || strings.HasPrefix(p.Path, "/tmp/"):
		// /tmp is a directory of the layer and an emptyDir in pods: the binary would be hidden.
		return fmt.Errorf("binary path %q: collides with the root or /tmp", p.Path)
	}
	for _, kv := range p.Env {
		if name, _, ok := strings.Cut(kv, "="); !ok || name == "" {
			return fmt.Errorf("image environment entry %q: want KEY=value", kv)
		}
	}
	return nil
}
