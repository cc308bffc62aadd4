package image

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/kubernaut/kubernaut/internal/registry"
)

// baseImage is what the action layer goes on top of.
type baseImage struct {
	image        v1.Image // OCI media types throughout
	name         string   // the base reference, fully qualified; "" for scratch
	digest       v1.Hash  // the base manifest's digest; zero for scratch
	architecture string
	variant      string
}

// loadBase returns scratch, or pulls opts.Base and converts its manifest to OCI media types.
func loadBase(ctx context.Context, opts BuildOptions) (*baseImage, error) {
	arch := opts.Architecture
	if arch == "" {
		arch = DefaultArchitecture
	}
	if opts.Base == "" {
		return &baseImage{image: ociScratch(), architecture: arch}, nil
	}
	ref, err := name.ParseReference(opts.Base, nameOptions(opts.Insecure)...)
	if err != nil {
		return nil, fmt.Errorf("base image %q: %w", opts.Base, err)
	}
	ropts := append(registry.RemoteOptions(ctx, opts.Keychain, opts.Transport),
		remote.WithPlatform(v1.Platform{OS: "linux", Architecture: arch}))
	img, err := remote.Image(ref, ropts...)
	if err != nil {
		return nil, fmt.Errorf("pulling base image %s: %w", ref, err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("base image %s: reading its config: %w", ref, err)
	}
	if cfg.OS != "" && cfg.OS != "linux" {
		return nil, fmt.Errorf("base image %s is for %s; action images run on linux", ref, cfg.OS)
	}
	if opts.Architecture != "" && cfg.Architecture != "" && cfg.Architecture != opts.Architecture {
		return nil, fmt.Errorf("base image %s is for %s, but architecture %s was asked for", ref, cfg.Architecture, opts.Architecture)
	}
	if cfg.Architecture != "" {
		arch = cfg.Architecture
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, fmt.Errorf("base image %s: %w", ref, err)
	}
	converted, err := toOCI(img, cfg)
	if err != nil {
		return nil, fmt.Errorf("base image %s: %w", ref, err)
	}
	return &baseImage{image: converted, name: ref.Name(), digest: digest, architecture: arch, variant: cfg.Variant}, nil
}

func nameOptions(insecure bool) []name.Option {
	if insecure {
		return []name.Option{name.Insecure}
	}
	return nil
}

// ociScratch is empty.Image with OCI manifest and config media types (empty.Image is Docker's).
func ociScratch() v1.Image {
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	return mutate.ConfigMediaType(img, types.OCIConfigJSON)
}

// toOCI re-describes the base's layers with OCI media types on an OCI manifest, so the action
// image does not mix Docker and OCI types. The blobs are unchanged (Docker's gzip layer is
// byte-for-byte an OCI tar+gzip layer), and the base config, with its history, is kept as is.
func toOCI(img v1.Image, cfg *v1.ConfigFile) (v1.Image, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("listing layers: %w", err)
	}
	adds := make([]mutate.Addendum, len(layers))
	for i, l := range layers {
		mt, err := l.MediaType()
		if err != nil {
			return nil, fmt.Errorf("layer %d: %w", i, err)
		}
		adds[i] = mutate.Addendum{Layer: l, MediaType: ociLayerType(mt)}
	}
	withLayers, err := mutate.Append(ociScratch(), adds...)
	if err != nil {
		return nil, fmt.Errorf("copying layers: %w", err)
	}
	// Append recorded an empty history entry per layer; the base's own config replaces them.
	return mutate.ConfigFile(withLayers, cfg.DeepCopy())
}

func ociLayerType(mt types.MediaType) types.MediaType {
	switch mt {
	case types.DockerLayer:
		return types.OCILayer
	case types.DockerUncompressedLayer:
		return types.OCIUncompressedLayer
	default:
		return mt
	}
}
