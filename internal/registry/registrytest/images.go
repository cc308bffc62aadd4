package registrytest

import (
	"bytes"
	"io"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// PushRandomImage pushes a small random single-layer image to repository ("host/path") as tag
// "latest" and returns its digest reference. Random content gives every call its own digest, so
// signatures of one image can never verify another.
func PushRandomImage(t testing.TB, repository string, opts ...remote.Option) name.Digest {
	t.Helper()
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatalf("building random image: %v", err)
	}
	tag, err := name.NewTag(repository + ":latest")
	if err != nil {
		t.Fatalf("parsing tag for %q: %v", repository, err)
	}
	opts = append([]remote.Option{remote.WithContext(t.Context())}, opts...)
	if err := remote.Write(tag, img, opts...); err != nil {
		t.Fatalf("pushing %s: %v", tag, err)
	}
	digest, err := img.Digest()
	if err != nil {
		t.Fatalf("digest of %s: %v", tag, err)
	}
	return tag.Context().Digest(digest.String())
}

// FetchBlob downloads the blob ref names (a repository plus a blob digest) and returns its bytes
// as stored, so tests can inspect signature and attestation layers exactly as a verifier sees them.
func FetchBlob(t testing.TB, ref name.Digest, opts ...remote.Option) []byte {
	t.Helper()
	layer, err := remote.Layer(ref, opts...)
	if err != nil {
		t.Fatalf("fetching blob %s: %v", ref, err)
	}
	rc, err := layer.Compressed()
	if err != nil {
		t.Fatalf("opening blob %s: %v", ref, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading blob %s: %v", ref, err)
	}
	return b
}

// OnlyLayer fetches the manifest at ref, which must list exactly one layer, and returns that
// layer's blob and annotations: the shape of a signature, a bundle referrer or an attestation.
func OnlyLayer(t testing.TB, ref name.Reference, opts ...remote.Option) ([]byte, map[string]string) {
	t.Helper()
	desc, err := remote.Get(ref, opts...)
	if err != nil {
		t.Fatalf("fetching manifest %s: %v", ref, err)
	}
	manifest, err := v1.ParseManifest(bytes.NewReader(desc.Manifest))
	if err != nil {
		t.Fatalf("parsing manifest %s: %v", ref, err)
	}
	if len(manifest.Layers) != 1 {
		t.Fatalf("manifest %s has %d layers, want exactly 1", ref, len(manifest.Layers))
	}
	layer := manifest.Layers[0]
	return FetchBlob(t, ref.Context().Digest(layer.Digest.String()), opts...), layer.Annotations
}
