package registry

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name, path        string
		wantKind          URLKind
		wantRepo, wantRef string
	}{
		{"a manifest by tag", "/v2/team/app/manifests/v1", KindManifest, "team/app", "v1"},
		{"a manifest by digest", "/v2/app/manifests/sha256:ab", KindManifest, "app", "sha256:ab"},
		{"a blob", "/v2/a/b/c/blobs/sha256:cd", KindBlob, "a/b/c", "sha256:cd"},
		{"a repository named blobs", "/v2/blobs/manifests/v1", KindManifest, "blobs", "v1"},
		{"an upload is not a blob fetch", "/v2/app/blobs/uploads/123", KindOther, "", ""},
		{"the ping", "/v2/", KindOther, "", ""},
		{"referrers", "/v2/app/referrers/sha256:ab", KindOther, "", ""},
		{"a token endpoint", "/token", KindOther, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, repo, ref := classify(tt.path)
			got := []string{string(kind), repo, ref}
			want := []string{string(tt.wantKind), tt.wantRepo, tt.wantRef}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("classify(%q) (-want +got):\n%s", tt.path, diff)
			}
		})
	}
}

func TestCountingTransportCountsWhatIsRead(t *testing.T) {
	reg := registrytest.Start(t)
	ctx := context.Background()
	ref, err := name.ParseReference(reg.Host + "/counted:v1")
	if err != nil {
		t.Fatal(err)
	}
	img, err := random.Image(4096, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, RemoteOptions(ctx, nil, nil)...); err != nil {
		t.Fatal(err)
	}

	counter := NewCountingTransport(nil)
	pulled, err := remote.Image(ref, RemoteOptions(ctx, nil, counter)...)
	if err != nil {
		t.Fatal(err)
	}
	layers, err := pulled.Layers()
	if err != nil {
		t.Fatal(err)
	}
	top := layers[len(layers)-1]
	rc, err := top.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, rc); err != nil {
		t.Fatal(err)
	}
	rc.Close()

	raw, _ := pulled.RawManifest()
	topSize, _ := top.Size()
	topDigest, _ := top.Digest()
	stats := counter.Stats()
	// The /v2/ ping (tried over https first, then http, on 127.0.0.1) is the transport's business.
	delete(stats.ByKind, KindOther)
	want := map[URLKind]Counts{
		KindManifest: {Requests: 1, Bytes: int64(len(raw))},
		KindBlob:     {Requests: 1, Bytes: topSize},
	}
	if diff := cmp.Diff(want, stats.ByKind); diff != "" {
		t.Errorf("counts by kind (-want +got):\n%s\nrequests: %+v", diff, stats.Requests)
	}
	if diff := cmp.Diff([]string{topDigest.String()}, stats.BlobDigests()); diff != "" {
		t.Errorf("blob digests (-want +got):\n%s", diff)
	}
	for _, r := range stats.Requests {
		if r.Kind != KindOther && r.Status != http.StatusOK {
			t.Errorf("request %+v: status %d, want 200", r, r.Status)
		}
	}

	counter.Reset()
	if got := counter.Stats().Total(); got != (Counts{}) {
		t.Errorf("after Reset total = %+v, want zero", got)
	}
}
