package localregistry

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// serve starts the registry of dir and returns its host:port and a stop function.
func serve(t *testing.T, dir string) (string, func()) {
	t.Helper()
	h, err := New(dir, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(h)
	return strings.TrimPrefix(srv.URL, "http://"), func() { srv.Close(); h.Close() }
}

func TestImagesSurviveARestartOfTheRegistry(t *testing.T) {
	dir := t.TempDir()
	img, err := random.Image(1024, 2)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()

	host, stop := serve(t, dir)
	tag, _ := name.NewTag(host + "/demo/app:1.0")
	if err := remote.Write(tag, img); err != nil {
		t.Fatalf("push: %v", err)
	}
	stop()

	host, stop = serve(t, dir)
	defer stop()
	tag, _ = name.NewTag(host + "/demo/app:1.0")
	got, err := remote.Image(tag)
	if err != nil {
		t.Fatalf("pull after restart: %v", err)
	}
	gotDigest, _ := got.Digest()
	if diff := cmp.Diff(want.String(), gotDigest.String()); diff != "" {
		t.Errorf("digest after restart (-pushed +pulled):\n%s", diff)
	}
	layers, err := got.Layers()
	if err != nil || len(layers) != 2 {
		t.Fatalf("layers after restart: %d, %v; want 2", len(layers), err)
	}
	if _, err := layers[1].Compressed(); err != nil {
		t.Errorf("layer blob after restart: %v", err)
	}
}

func TestADeletedTagStaysDeletedAfterARestart(t *testing.T) {
	dir := t.TempDir()
	img, _ := random.Image(256, 1)
	host, stop := serve(t, dir)
	tag, _ := name.NewTag(host + "/demo/gone:1.0")
	if err := remote.Write(tag, img); err != nil {
		t.Fatalf("push: %v", err)
	}
	if err := remote.Delete(tag); err != nil {
		t.Fatalf("delete: %v", err)
	}
	stop()

	host, stop = serve(t, dir)
	defer stop()
	tag, _ = name.NewTag(host + "/demo/gone:1.0")
	if _, err := remote.Head(tag); err == nil {
		t.Fatal("deleted tag is back after a restart")
	}
}
