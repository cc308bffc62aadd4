package signing_test

import (
	"context"
	"crypto"
	"crypto/elliptic"
	"io"
	"log"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kubernaut/kubernaut/internal/signing"
)

// startRegistry serves go-containerregistry's in-memory registry on 127.0.0.1 and returns its host.
// referrers selects whether it implements the OCI 1.1 Referrers API.
func startRegistry(t *testing.T, referrers bool) string {
	t.Helper()
	server := httptest.NewServer(registry.New(
		registry.WithReferrersSupport(referrers),
		registry.Logger(log.New(io.Discard, "", 0)),
	))
	t.Cleanup(server.Close)
	u, err := url.Parse(server.URL)
	if err != nil {
		t.Fatalf("parsing registry URL: %v", err)
	}
	return u.Host
}

// pushRandomImage pushes a small random image to host/repo and returns its digest reference.
func pushRandomImage(t *testing.T, host, repo string) name.Digest {
	t.Helper()
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatalf("building random image: %v", err)
	}
	tag, err := name.NewTag(host+"/"+repo+":latest", name.Insecure)
	if err != nil {
		t.Fatalf("parsing tag: %v", err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatalf("pushing image: %v", err)
	}
	digest, err := img.Digest()
	if err != nil {
		t.Fatalf("image digest: %v", err)
	}
	return tag.Context().Digest(digest.String())
}

// newSigner returns a fresh ECDSA P-256 signer, loaded through LoadPrivateKey from a plain PKCS #8
// PEM (the encrypted formats are covered by the key tests; scrypt would slow every registry test).
func newSigner(t *testing.T) (crypto.Signer, crypto.PublicKey) {
	t.Helper()
	key := newECKey(t, elliptic.P256())
	signer, err := signing.LoadPrivateKey(pemBlock(signing.PEMTypePrivateKey, mustPKCS8(t, key)), nil)
	if err != nil {
		t.Fatalf("LoadPrivateKey: %v", err)
	}
	return signer, signer.Public()
}

// mustSign signs ref and fails the test on error.
func mustSign(t *testing.T, ref name.Digest, signer crypto.Signer, opts signing.Options) *signing.Signature {
	t.Helper()
	sig, err := signing.Sign(context.Background(), ref, signer, opts)
	if err != nil {
		t.Fatalf("Sign(%s, %q): %v", ref, opts.Format, err)
	}
	return sig
}
