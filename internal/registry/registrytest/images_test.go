package registrytest_test

import (
	"bytes"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
)

func TestPushRandomImageStoresAnImageWhoseLayerFetchBlobReturns(t *testing.T) {
	for _, referrers := range []bool{true, false} {
		reg := registrytest.Start(t, registrytest.WithReferrersSupport(referrers))
		ref := registrytest.PushRandomImage(t, reg.Host+"/actions/random")
		img, err := remote.Image(ref)
		if err != nil {
			t.Fatalf("pulling the pushed image %s: %v", ref, err)
		}
		manifest, err := img.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		if len(manifest.Layers) != 1 {
			t.Fatalf("want one layer, got %d", len(manifest.Layers))
		}
		layer := manifest.Layers[0]
		blob := registrytest.FetchBlob(t, ref.Context().Digest(layer.Digest.String()))
		if int64(len(blob)) != layer.Size {
			t.Errorf("FetchBlob returned %d bytes, the manifest says %d", len(blob), layer.Size)
		}
		only, _ := registrytest.OnlyLayer(t, ref)
		if !bytes.Equal(only, blob) {
			t.Errorf("OnlyLayer returned %d bytes that differ from the layer blob", len(only))
		}
	}
}
