package devcluster

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// pauseUser is the conventional unprivileged user of pause images.
const pauseUser = "65535"

// pushPauseImage packages the project's pause binary as the sandbox image and pushes it to the
// local registry, so no image ever comes from the internet.
func pushPauseImage(ctx context.Context, c *Config) error {
	img, err := pauseImageFrom(filepath.Join(c.BinDir, pauseBinary))
	if err != nil {
		return err
	}
	ref, err := name.ParseReference(pauseImage(c.RegistryPort), name.Insecure)
	if err != nil {
		return fmt.Errorf("pause image reference: %w", err)
	}
	if err := remote.Write(ref, img, remote.WithContext(ctx)); err != nil {
		return fmt.Errorf("push pause image to %s: %w", ref, err)
	}
	return nil
}

// pauseImageFrom builds a one-layer image holding binPath as /pause. The config names os and
// architecture explicitly because empty.Image has neither and containerd selects by platform.
func pauseImageFrom(binPath string) (v1.Image, error) {
	bin, err := os.ReadFile(binPath)
	if err != nil {
		return nil, fmt.Errorf("read pause binary: %w", err)
	}
	layerTar, err := singleFileTar("pause", bin, 0o755)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	})
	if err != nil {
		return nil, fmt.Errorf("pause image layer: %w", err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, fmt.Errorf("pause image: %w", err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("pause image config: %w", err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", runtime.GOARCH
	cfg.Config.Entrypoint = []string{"/pause"}
	cfg.Config.User = pauseUser
	return mutate.ConfigFile(img, cfg)
}

// singleFileTar returns a tar archive with one file; the fixed time keeps the digest stable, so
// pushing the same binary again changes nothing.
func singleFileTar(path string, content []byte, mode int64) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{Name: path, Mode: mode, Size: int64(len(content)), Typeflag: tar.TypeReg,
		ModTime: time.Unix(0, 0)}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, fmt.Errorf("tar header for %s: %w", path, err)
	}
	if _, err := tw.Write(content); err != nil {
		return nil, fmt.Errorf("tar %s: %w", path, err)
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("close tar: %w", err)
	}
	return buf.Bytes(), nil
}
