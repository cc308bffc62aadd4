package localregistry

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// TestTheReadOnlyAddressServesPullsAndRefusesPushes serves one registry on two addresses, as the
// agent does: full access on one, ReadOnly on the other.
func TestTheReadOnlyAddressServesPullsAndRefusesPushes(t *testing.T) {
	h, err := New(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	full := httptest.NewServer(h)
	defer full.Close()
	readOnly := httptest.NewServer(ReadOnly(h))
	defer readOnly.Close()
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	pushed, _ := name.NewTag(strings.TrimPrefix(full.URL, "http://") + "/demo/app:1.0")
	if err := remote.Write(pushed, img); err != nil {
		t.Fatalf("push through the full address: %v", err)
	}

	viaReadOnly, _ := name.NewTag(strings.TrimPrefix(readOnly.URL, "http://") + "/demo/app:1.0")
	pulled, err := remote.Image(viaReadOnly)
	if err != nil {
		t.Fatalf("pull through the read-only address: %v", err)
	}
	want, _ := img.Digest()
	if got, _ := pulled.Digest(); got != want {
		t.Errorf("digest pulled through the read-only address = %s, want %s", got, want)
	}
	if _, err := remote.Head(viaReadOnly); err != nil {
		t.Errorf("HEAD through the read-only address: %v", err)
	}

	other, _ := name.NewTag(strings.TrimPrefix(readOnly.URL, "http://") + "/demo/other:1.0")
	err = remote.Write(other, img)
	var terr *transport.Error
	if !errors.As(err, &terr) || terr.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("push through the read-only address: err = %v, want HTTP 405", err)
	}
	deleteReq := httptest.NewRequest(http.MethodDelete, "/v2/demo/app/manifests/1.0", nil)
	rec := httptest.NewRecorder()
	ReadOnly(h).ServeHTTP(rec, deleteReq)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("DELETE through the read-only handler: %d, want 405", rec.Code)
	}
	if _, err := remote.Image(pushed); err != nil {
		t.Errorf("the image after the refused delete: %v", err)
	}
}
