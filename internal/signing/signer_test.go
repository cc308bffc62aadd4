package signing_test

import (
	"context"
	"crypto"
	"crypto/elliptic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/kubernaut/kubernaut/internal/signing"
)

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
