package imagecontract

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func contractYAML(name, version string) string {
	return fmt.Sprintf(`apiVersion: kubernaut.ai/v1alpha1
kind: ActionContract
metadata:
  name: %s
  version: %s
spec:
  description: "Scale a deployment"
  inputs:
    - name: replicas
      type: integer
      required: true
  resources:
    requests:
      cpu: "10m"
      memory: "16Mi"
    limits:
      cpu: "100m"
      memory: "64Mi"
  rbac:
    permissions: []
`, name, version)
}

// file, dir, symlink and whiteout make tar entries for test layers.
type tarEntry struct {
	header tar.Header
	body   []byte
}

func file(name, body string) tarEntry {
	return tarEntry{header: tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(body))}, body: []byte(body)}
}

func dir(name string) tarEntry {
	return tarEntry{header: tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755}}
}

func symlink(name, target string) tarEntry {
	return tarEntry{header: tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777}}
}

func tarBytes(t testing.TB, entries ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := e.header
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// gzipLayer is an OCI tar+gzip layer holding entries.
func gzipLayer(t testing.TB, entries ...tarEntry) v1.Layer {
	t.Helper()
	return layerFromTar(t, tarBytes(t, entries...), types.OCILayer)
}

// layerFromTar makes a layer of media type mt from an uncompressed tar: stored as is for
// OCIUncompressedLayer, gzipped otherwise.
func layerFromTar(t testing.TB, tarData []byte, mt types.MediaType) v1.Layer {
	t.Helper()
	if mt == types.OCIUncompressedLayer {
		return static.NewLayer(tarData, mt)
	}
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(tarData)), nil
	}, tarball.WithMediaType(mt))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// imageOf stacks layers (first is the bottom) on an OCI scratch image.
func imageOf(t testing.TB, layers ...v1.Layer) v1.Image {
	t.Helper()
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.AppendLayers(img, layers...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// push writes img to host/repo:latest and returns its digest reference.
func push(t testing.TB, host, repo string, img v1.Image) name.Digest {
	t.Helper()
	tag, err := name.NewTag(host + "/" + repo + ":latest")
	if err != nil {
		t.Fatal(err)
	}
	// One upload at a time: the test registry buffers uploads in memory.
	if err := remote.Write(tag, img, remote.WithJobs(1)); err != nil {
		t.Fatalf("pushing %s: %v", tag, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return tag.Context().Digest(d.String())
}

func layerDigest(t testing.TB, l v1.Layer) string {
	t.Helper()
	d, err := l.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}
