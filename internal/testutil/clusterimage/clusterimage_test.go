package clusterimage

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func TestPushGoActionPushesARunnableActionPulledByDigest(t *testing.T) {
	srv := httptest.NewServer(registry.New())
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")

	ref, err := PushGoAction(context.Background(), host, "e2e/echo", "test", "../../../test/e2e/testdata/echo-action")
	if err != nil {
		t.Fatalf("PushGoAction: %v", err)
	}
	if !strings.HasPrefix(ref, host+"/e2e/echo@sha256:") {
		t.Fatalf("reference %q is not a digest reference in %s/e2e/echo", ref, host)
	}
	digest, err := name.NewDigest(ref)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(digest)
	if err != nil {
		t.Fatalf("pull %s: %v", ref, err)
	}
	files := map[string]bool{}
	tr := tar.NewReader(mutate.Extract(img))
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		files[hdr.Name] = true
	}
	for _, want := range []string{"action-entrypoint", "action-contract.yaml"} {
		if !files[want] && !files["/"+want] {
			t.Errorf("image lacks %s; has %v", want, files)
		}
	}
}

func TestRegistryComesFromTheEnvironmentOrFailsSayingHow(t *testing.T) {
	t.Setenv(RegistryEnv, "")
	if _, err := Registry(); !errors.Is(err, ErrNoRegistry) {
		t.Errorf("Registry without %s: got %v, want ErrNoRegistry", RegistryEnv, err)
	}
	t.Setenv(RegistryEnv, "127.0.0.1:5000")
	got, err := Registry()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("127.0.0.1:5000", got); diff != "" {
		t.Errorf("Registry (-want +got):\n%s", diff)
	}
}
