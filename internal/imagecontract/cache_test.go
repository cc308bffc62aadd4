package imagecontract

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/kubernaut/kubernaut/internal/registry"
	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
)

// threeLayerImage is a small stand-in for the benchmark image: two unrelated lower layers and the
// contract alone in the top layer.
func threeLayerImage(t testing.TB) (img v1.Image, lower []v1.Layer, top v1.Layer) {
	lower = []v1.Layer{
		gzipLayer(t, dir("usr/"), file("usr/a", strings.Repeat("a", 4096))),
		gzipLayer(t, dir("usr/"), file("usr/b", strings.Repeat("b", 4096))),
	}
	top = gzipLayer(t, file("action-contract.yaml", contractYAML("scale", "v1.0.0")))
	return imageOf(t, append(append([]v1.Layer{}, lower...), top)...), lower, top
}

func TestLoadFetchesTheManifestAndTheTopLayerOnly(t *testing.T) {
	reg := registrytest.Start(t)
	img, lower, top := threeLayerImage(t)
	ref := push(t, reg.Host, "loader/fetched", img)
	counter := registry.NewCountingTransport(nil)

	if _, err := NewLoader(Options{Transport: counter}).Load(context.Background(), ref, ""); err != nil {
		t.Fatalf("Load: %v", err)
	}
	stats := counter.Stats()
	if diff := cmp.Diff([]string{layerDigest(t, top)}, stats.BlobDigests()); diff != "" {
		t.Errorf("blobs fetched (-want +got):\n%s", diff)
	}
	for _, l := range lower {
		for _, r := range stats.Requests {
			if r.Reference == layerDigest(t, l) {
				t.Errorf("lower layer %s was requested: %+v", r.Reference, r)
			}
		}
	}
	raw, _ := img.RawManifest()
	topSize, _ := top.Size()
	if got := stats.ByKind[registry.KindManifest]; got != (registry.Counts{Requests: 1, Bytes: int64(len(raw))}) {
		t.Errorf("manifest traffic = %+v, want one request of %d bytes", got, len(raw))
	}
	if got := stats.ByKind[registry.KindBlob]; got != (registry.Counts{Requests: 1, Bytes: topSize}) {
		t.Errorf("blob traffic = %+v, want one request of %d bytes (the top layer)", got, topSize)
	}
}

func TestASecondLoadIsServedFromTheCache(t *testing.T) {
	reg := registrytest.Start(t)
	img, _, _ := threeLayerImage(t)
	ref := push(t, reg.Host, "loader/cached", img)
	counter := registry.NewCountingTransport(nil)
	loader := NewLoader(Options{Transport: counter})

	first, err := loader.Load(context.Background(), ref, "")
	if err != nil {
		t.Fatalf("first Load: %v", err)
	}
	counter.Reset()
	second, err := loader.Load(context.Background(), ref, "/action-contract.yaml")
	if err != nil {
		t.Fatalf("second Load: %v", err)
	}
	if got := counter.Stats().Total(); got != (registry.Counts{}) {
		t.Errorf("second load traffic = %+v, want no registry request at all", got)
	}
	if first != second {
		t.Errorf("second load returned another value; want the cached one")
	}
}

func TestConcurrentLoadsShareOneFetch(t *testing.T) {
	reg := registrytest.Start(t)
	img, _, _ := threeLayerImage(t)
	ref := push(t, reg.Host, "loader/concurrent", img)
	counter := registry.NewCountingTransport(nil)
	loader := NewLoader(Options{Transport: counter})

	const callers = 16
	results := make([]*Loaded, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { results[i], errs[i] = loader.Load(context.Background(), ref, "") })
	}
	wg.Wait()
	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if results[i] != results[0] {
			t.Errorf("caller %d got another value than caller 0", i)
		}
	}
	stats := counter.Stats()
	if m, b := stats.ByKind[registry.KindManifest].Requests, stats.ByKind[registry.KindBlob].Requests; m != 1 || b != 1 {
		t.Errorf("%d callers made %d manifest and %d blob requests, want 1 and 1", callers, m, b)
	}
}

func TestTheCacheIsBounded(t *testing.T) {
	reg := registrytest.Start(t)
	counter := registry.NewCountingTransport(nil)
	loader := NewLoader(Options{Transport: counter, CacheSize: 2})
	var refs []name.Digest
	for _, v := range []string{"v1.0.0", "v1.0.1", "v1.0.2"} {
		img := imageOf(t, gzipLayer(t, file("action-contract.yaml", contractYAML("scale", v))))
		refs = append(refs, push(t, reg.Host, "loader/bounded", img))
	}
	for _, ref := range refs {
		if _, err := loader.Load(context.Background(), ref, ""); err != nil {
			t.Fatal(err)
		}
	}
	if n := loader.cache.len(); n != 2 {
		t.Errorf("cache holds %d entries, want the bound 2", n)
	}
	counter.Reset()
	if _, err := loader.Load(context.Background(), refs[2], ""); err != nil {
		t.Fatal(err)
	}
	if got := counter.Stats().Total().Requests; got != 0 {
		t.Errorf("the most recent image was fetched again (%d requests)", got)
	}
	if _, err := loader.Load(context.Background(), refs[0], ""); err != nil {
		t.Fatal(err)
	}
	if got := counter.Stats().ByKind[registry.KindManifest].Requests; got != 1 {
		t.Errorf("the evicted image made %d manifest requests, want 1", got)
	}
}

func TestACancelledCallerDoesNotCancelTheSharedFetch(t *testing.T) {
	release := make(chan struct{})
	gate := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "/manifests/sha256:") {
				<-release
			}
			next.ServeHTTP(w, r)
		})
	}
	reg := registrytest.Start(t, registrytest.WithMiddleware(gate))
	img, _, _ := threeLayerImage(t)
	ref := push(t, reg.Host, "loader/gated", img)
	loader := NewLoader(Options{})

	ctx, cancel := context.WithCancel(context.Background())
	firstErr := make(chan error, 1)
	go func() {
		_, err := loader.Load(ctx, ref, "")
		firstErr <- err
	}()
	cancel()
	if err := <-firstErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: error = %v, want context.Canceled", err)
	}
	close(release)
	got, err := loader.Load(context.Background(), ref, "")
	if err != nil {
		t.Fatalf("second caller: %v", err)
	}
	if got.Contract.Metadata.Name != "scale" {
		t.Errorf("contract name = %q, want scale", got.Contract.Metadata.Name)
	}
}

// TestATamperedLayerIsRejected serves another contract, of the same size, in place of the top
// layer's blob: the loader must notice the digest mismatch rather than return the forgery.
func TestATamperedLayerIsRejected(t *testing.T) {
	genuine := tarBytes(t, file("action-contract.yaml", contractYAML("scale", "v1.0.0")))
	forged := bytes.Replace(genuine, []byte("v1.0.0"), []byte("v6.6.6"), 1)
	top := layerFromTar(t, genuine, types.OCIUncompressedLayer)
	tamper := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/blobs/"+layerDigest(t, top)) {
				rec := httptest.NewRecorder()
				next.ServeHTTP(rec, r)
				for k, v := range rec.Header() {
					w.Header()[k] = v
				}
				w.WriteHeader(rec.Code)
				w.Write(bytes.Replace(rec.Body.Bytes(), []byte("v1.0.0"), []byte("v6.6.6"), 1))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	if len(forged) != len(genuine) || bytes.Equal(forged, genuine) {
		t.Fatal("the forgery must differ from the genuine layer and keep its size")
	}
	reg := registrytest.Start(t, registrytest.WithMiddleware(tamper))
	ref := push(t, reg.Host, "loader/tampered", imageOf(t, top))

	got, err := NewLoader(Options{}).Load(context.Background(), ref, "")
	if err == nil {
		t.Fatalf("Load returned version %q from a tampered layer, want an error", got.Contract.Metadata.Version)
	}
	if !strings.Contains(err.Error(), "verify its digest") {
		t.Errorf("error = %v, want a digest verification failure", err)
	}
}

func TestLoadReadsTheLinuxImageOfAnIndex(t *testing.T) {
	reg := registrytest.Start(t)
	img := imageOf(t, gzipLayer(t, file("action-contract.yaml", contractYAML("scale", "v1.0.0"))))
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex), mutate.IndexAddendum{
		Add:        img,
		Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}},
	})
	tag, _ := name.NewTag(reg.Host + "/loader/index:v1")
	if err := remote.WriteIndex(tag, idx); err != nil {
		t.Fatal(err)
	}
	d, _ := idx.Digest()
	got, err := NewLoader(Options{}).Load(context.Background(), tag.Context().Digest(d.String()), "")
	if err != nil {
		t.Fatalf("Load by index digest: %v", err)
	}
	if got.Digest != d || got.Contract.Metadata.Version != "v1.0.0" {
		t.Errorf("digest %s version %q, want %s and v1.0.0", got.Digest, got.Contract.Metadata.Version, d)
	}
}

func TestWithKeychainAuthenticatesOneLoad(t *testing.T) {
	reg := registrytest.Start(t, registrytest.WithBasicAuth("robot", "pw"))
	img, _, _ := threeLayerImage(t)
	kc := staticKeychain{authn.FromConfig(authn.AuthConfig{Username: "robot", Password: "pw"})}
	tag, _ := name.NewTag(reg.Host + "/loader/private:v1")
	if err := remote.Write(tag, img, remote.WithAuthFromKeychain(kc)); err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	ref := tag.Context().Digest(d.String())
	loader := NewLoader(Options{})

	var terr *transport.Error
	if _, err := loader.Load(context.Background(), ref, ""); !errors.As(err, &terr) || terr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous load: error = %v, want HTTP 401", err)
	}
	if _, err := loader.Load(context.Background(), ref, "", WithKeychain(kc)); err != nil {
		t.Fatalf("load with the keychain: %v", err)
	}
}

type staticKeychain struct{ auth authn.Authenticator }

func (k staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) { return k.auth, nil }
