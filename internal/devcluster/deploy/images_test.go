package deploy

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kubernaut/kubernaut/internal/image"
)

// TestTheForwarderImageIsBuiltByOurBuilderAndPushedByDigest builds the real forwarder and pushes
// it to a real (in-process) registry under a path prefix, as a user's registry would be named.
func TestTheForwarderImageIsBuiltByOurBuilderAndPushedByDigest(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv := httptest.NewServer(registry.New())
	defer srv.Close()
	prefix := strings.TrimPrefix(srv.URL, "http://") + "/team"

	ref, err := BuildForwarderImage(ctx, prefix, ImageOptions{Tag: "e2e"})
	if err != nil {
		t.Fatalf("BuildForwarderImage: %v", err)
	}
	digest, err := name.NewDigest(ref)
	if err != nil {
		t.Fatalf("result %q is not a digest reference: %v", ref, err)
	}
	if want := prefix + "/" + ForwarderRepository; digest.Context().String() != want {
		t.Errorf("pushed to %s, want %s", digest.Context(), want)
	}
	tagged, err := remote.Image(digest.Context().Tag("e2e"))
	if err != nil {
		t.Fatalf("the pushed tag: %v", err)
	}
	if got, _ := tagged.Digest(); got.String() != digest.DigestStr() {
		t.Errorf("tag e2e points at %s, want %s", got, digest.DigestStr())
	}
	cfg, err := tagged.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Config.Entrypoint; len(got) != 1 || got[0] != "/kubernaut-registry-forwarder" {
		t.Errorf("entrypoint %v, want [/kubernaut-registry-forwarder]", got)
	}
	if cfg.Config.User != image.User {
		t.Errorf("user %q, want the non-root %q", cfg.Config.User, image.User)
	}
}

func TestAnImageNeedsARegistry(t *testing.T) {
	if _, err := BuildManagerImage(context.Background(), "", ImageOptions{}); err == nil || !strings.Contains(err.Error(), "no registry") {
		t.Fatalf("BuildManagerImage without a registry: %v", err)
	}
}
