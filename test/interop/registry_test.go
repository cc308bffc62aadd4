package interop_test

import (
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// registryModes are the two ways a registry can hold a bundle signature: as an OCI 1.1 referrer
// served by the Referrers API, or, without that API, behind the `sha256-<hex>` fallback tag index.
var registryModes = []struct {
	name      string
	referrers bool
}{
	{"with the referrers API", true},
	{"without the referrers API", false},
}

// startRegistry serves go-containerregistry's in-memory OCI registry on 127.0.0.1 and returns its
// host:port. Plain HTTP on loopback is what both cosign and go-containerregistry accept without
// TLS.
func startRegistry(t *testing.T, referrers bool) string {
	t.Helper()
	handler := registry.New(
		registry.WithReferrersSupport(referrers),
		registry.Logger(log.New(io.Discard, "", 0)), // one line per request drowns the cosign logs
	)
	server := httptest.NewServer(handler)
	t.Cleanup(server.Close)
	return strings.TrimPrefix(server.URL, "http://")
}

// pushRandomImage pushes a small random image to host/repo and returns its digest reference.
func pushRandomImage(t *testing.T, host, repo string) name.Digest {
	t.Helper()
	img, err := random.Image(1024, 1)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(host + "/" + repo + ":latest")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img, remote.WithContext(t.Context())); err != nil {
		t.Fatalf("pushing %s: %v", tag, err)
	}
	digest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return tag.Context().Digest(digest.String())
}
