package image

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/match"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kubernaut/kubernaut/internal/registry"
)

// Annotations on the OCI layout index entry.
const (
	// AnnotationRefName is the OCI image-layout tag of the entry.
	AnnotationRefName = "org.opencontainers.image.ref.name"
	// AnnotationContainerdName is the full reference containerd gives an image on `ctr import`.
	AnnotationContainerdName = "io.containerd.image.name"
)

// PublishOptions are the inputs of `kubernaut action build`.
type PublishOptions struct {
	BuildOptions
	// Tag is REPO:TAG. The result is REPO@sha256:… whether or not the image is pushed.
	Tag string
	// Push uploads the image to Tag's registry.
	Push bool
	// OCILayout, when set, is a directory where the image is also written as an OCI image layout
	// (created if absent; an existing layout gets the image added, replacing one of the same tag).
	OCILayout string
}

// BuildAndPublish builds the image, writes the OCI layout and pushes, as asked, and returns the
// image's digest reference REPO@sha256:…. The tag is checked and the contract parsed before
// anything is built, so a bad input leaves no trace in the registry or the layout directory.
func BuildAndPublish(ctx context.Context, opts PublishOptions) (digestRef string, err error) {
	if opts.Tag == "" {
		return "", errors.New("tag: no REPO:TAG given")
	}
	tag, err := name.NewTag(opts.Tag, nameOptions(opts.Insecure)...)
	if err != nil {
		return "", fmt.Errorf("tag %q: %w", opts.Tag, err)
	}
	img, err := Build(ctx, opts.BuildOptions)
	if err != nil {
		return "", err
	}
	digest, err := img.Digest()
	if err != nil {
		return "", fmt.Errorf("computing the image digest: %w", err)
	}
	if opts.OCILayout != "" {
		if err := WriteLayout(opts.OCILayout, img, tag); err != nil {
			return "", err
		}
	}
	if opts.Push {
		pushed, err := Push(ctx, img, tag, registry.RemoteOptions(ctx, opts.Keychain, opts.Transport)...)
		if err != nil {
			return "", err
		}
		return pushed.String(), nil
	}
	return tag.Context().Digest(digest.String()).String(), nil
}

// Push uploads img under tag and returns the digest reference it can be pulled by.
func Push(ctx context.Context, img v1.Image, tag name.Tag, opts ...remote.Option) (name.Digest, error) {
	digest, err := img.Digest()
	if err != nil {
		return name.Digest{}, fmt.Errorf("computing the image digest: %w", err)
	}
	opts = append(opts, remote.WithContext(ctx))
	if err := remote.Write(tag, img, opts...); err != nil {
		return name.Digest{}, fmt.Errorf("pushing %s: %w", tag, err)
	}
	return tag.Context().Digest(digest.String()), nil
}

// WriteLayout adds img to the OCI image layout in dir, creating the layout when dir is absent or
// empty. The entry is annotated with tag (its tag as the OCI ref name, its full name for
// containerd) and replaces an entry of the same tag. A non-empty directory that is not an OCI
// layout is refused rather than written into.
func WriteLayout(dir string, img v1.Image, tag name.Tag) error {
	p, err := openOrCreateLayout(dir)
	if err != nil {
		return err
	}
	annotations := map[string]string{
		AnnotationRefName:        tag.TagStr(),
		AnnotationContainerdName: tag.Name(),
	}
	sameTag := match.Annotation(AnnotationContainerdName, tag.Name())
	if err := p.ReplaceImage(img, sameTag, layout.WithAnnotations(annotations)); err != nil {
		return fmt.Errorf("OCI layout %s: writing the image: %w", dir, err)
	}
	return nil
}

func openOrCreateLayout(dir string) (layout.Path, error) {
	if _, err := os.Stat(filepath.Join(dir, "index.json")); err == nil {
		p, err := layout.FromPath(dir)
		if err != nil {
			return "", fmt.Errorf("OCI layout %s: %w", dir, err)
		}
		return p, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("OCI layout %s: %w", dir, err)
	}
	if len(entries) > 0 {
		return "", fmt.Errorf("OCI layout %s: directory is not empty and has no index.json; refusing to write into it", dir)
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return "", fmt.Errorf("OCI layout %s: creating it: %w", dir, err)
	}
	return p, nil
}
