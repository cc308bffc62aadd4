package tekton

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// countingRegistry is a real OCI registry on 127.0.0.1 that counts the uploads it receives.
type countingRegistry struct {
	host    string
	uploads atomic.Int32
}

func newCountingRegistry(t *testing.T) *countingRegistry {
	t.Helper()
	r := &countingRegistry{}
	inner := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodPut || req.Method == http.MethodPost || req.Method == http.MethodPatch {
			r.uploads.Add(1)
		}
		inner.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.host = strings.TrimPrefix(srv.URL, "http://")
	return r
}

func TestPackageAndPushBuildsAKoStyleImageAndSkipsItWhenUnchanged(t *testing.T) {
	ctx := context.Background()
	cache := t.TempDir()
	binary := filepath.Join(cache, "nop")
	if err := os.WriteFile(binary, []byte("not really an ELF"), 0o755); err != nil {
		t.Fatal(err)
	}
	reg := newCountingRegistry(t)
	opts := &BuildOptions{Registry: reg.host, CacheDir: cache, Keychain: authn.DefaultKeychain}
	index, err := loadIndex(cache)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := packageAndPush(ctx, opts, index, "nop", binary)
	if err != nil {
		t.Fatalf("packageAndPush: %v", err)
	}
	if want := reg.host + "/tekton/nop:" + Version + "@sha256:"; !strings.HasPrefix(ref, want) {
		t.Errorf("reference %s, want it to start with %s", ref, want)
	}
	checkKoLayout(t, ref, "nop")
	if err := index.save(); err != nil {
		t.Fatal(err)
	}

	pushes := reg.uploads.Load()
	reloaded, err := loadIndex(cache)
	if err != nil {
		t.Fatal(err)
	}
	again, err := packageAndPush(ctx, opts, reloaded, "nop", binary)
	if err != nil {
		t.Fatalf("packageAndPush again: %v", err)
	}
	if again != ref || reg.uploads.Load() != pushes {
		t.Errorf("unchanged binary: reference %s (was %s), %d more uploads; want the same reference and none",
			again, ref, reg.uploads.Load()-pushes)
	}

	emptied := newCountingRegistry(t)
	opts.Registry = emptied.host
	moved, err := packageAndPush(ctx, opts, reloaded, "nop", binary)
	if err != nil {
		t.Fatalf("packageAndPush to an empty registry: %v", err)
	}
	if emptied.uploads.Load() == 0 || !strings.HasSuffix(moved, ref[strings.Index(ref, "@"):]) {
		t.Errorf("a registry without the image got %d uploads and reference %s; want a push of the same digest as %s",
			emptied.uploads.Load(), moved, ref)
	}
}

// checkKoLayout pulls ref and checks what Tekton relies on: the binary's path as entrypoint,
// the non-root user and ko's environment.
func checkKoLayout(t *testing.T, ref, command string) {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(r)
	if err != nil {
		t.Fatalf("pulling %s: %v", ref, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	got := []any{cf.Config.Entrypoint, cf.Config.User, cf.Config.Env}
	want := []any{[]string{"/ko-app/" + command}, "65532:65532", []string{"KO_DATA_PATH=/var/run/ko", "SSL_CERT_DIR=/etc/ssl/certs"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("image config of %s: entrypoint, user, env (-want +got):\n%s", ref, diff)
	}
}
