package catalog

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kubernaut/kubernaut/internal/image"
	"github.com/kubernaut/kubernaut/internal/signing"
)

// PublishOptions configure Publish.
type PublishOptions struct {
	// Registry is where the images go, "host[:port][/path]"; action <group>/<name> is pushed
	// to <Registry>/<group>/<name>, tagged with its contract version.
	Registry string
	// Build are the image builder's options (architecture, epoch, base).
	Build image.BuildOptions
	// Signer signs every pushed digest. Required: the pipeline never publishes unsigned images.
	Signer crypto.Signer
	// Format is the signature format (bundle when empty).
	Format signing.Format
	// Remote are the registry options (auth, transport) of pushing and signing.
	Remote []remote.Option
	// Progress receives one line per action; nil discards.
	Progress io.Writer
}

// Published is an action image that was pushed and signed.
type Published struct {
	Action
	// Image is the pushed and signed image by digest, REPO@sha256:<hex>.
	Image string
	// Size is the image's compressed size in bytes: config and layers, as a pull transfers it.
	Size int64
}

// Publish builds, pushes and signs each action, in order, and returns what it published. It
// stops at the first failure: a half-published catalogue is reported, never silently used.
func Publish(ctx context.Context, actions []Action, opts PublishOptions) ([]Published, error) {
	if opts.Signer == nil {
		return nil, errors.New("publish: a signing key is required; the pipeline never publishes unsigned images")
	}
	if strings.TrimSpace(opts.Registry) == "" {
		return nil, errors.New("publish: no registry given")
	}
	progress := opts.Progress
	if progress == nil {
		progress = io.Discard
	}
	var out []Published
	for _, a := range actions {
		p, err := publishOne(ctx, a, opts)
		if err != nil {
			return out, fmt.Errorf("publishing %s: %w", a.Type, err)
		}
		fmt.Fprintf(progress, "%-40s %s (%s)\n", a.Type, p.Image, humanBytes(p.Size))
		out = append(out, p)
	}
	return out, nil
}

// publishOne builds, pushes and signs one action.
func publishOne(ctx context.Context, a Action, opts PublishOptions) (Published, error) {
	tag, err := Repository(opts.Registry, a.Type, a.Contract.Metadata.Version)
	if err != nil {
		return Published{}, err
	}
	img, err := image.BuildGoAction(ctx, a.Dir, a.ContractFile, opts.Build)
	if err != nil {
		return Published{}, err
	}
	size, err := imageSize(img)
	if err != nil {
		return Published{}, err
	}
	digest, err := image.Push(ctx, img, tag, opts.Remote...)
	if err != nil {
		return Published{}, err
	}
	if _, err := signing.Sign(ctx, digest, opts.Signer, signing.Options{Format: opts.Format, Remote: opts.Remote}); err != nil {
		return Published{}, fmt.Errorf("signing %s: %w", digest, err)
	}
	return Published{Action: a, Image: digest.String(), Size: size}, nil
}

// Repository is the tag an action is pushed to: <registry>/<group>/<name>:<version>.
func Repository(registry, actionType, version string) (name.Tag, error) {
	ref := strings.TrimSuffix(registry, "/") + "/" + actionType + ":" + version
	tag, err := name.NewTag(ref, name.StrictValidation)
	if err != nil {
		return name.Tag{}, fmt.Errorf("image reference %q for action %s: %w", ref, actionType, err)
	}
	return tag, nil
}

// imageSize is the compressed size of the config and layers.
func imageSize(img v1.Image) (int64, error) {
	m, err := img.Manifest()
	if err != nil {
		return 0, err
	}
	size := m.Config.Size
	for _, l := range m.Layers {
		size += l.Size
	}
	return size, nil
}

// humanBytes prints a size in MiB with one decimal, or KiB below one MiB.
func humanBytes(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
