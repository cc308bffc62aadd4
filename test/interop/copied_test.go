package interop_test

import (
	"errors"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
	"github.com/kubernaut/kubernaut/internal/signing"
	"github.com/kubernaut/kubernaut/internal/verify"
)

// TestLegacySignatureCopiedToAnotherImageIsRefused copies a valid, trusted `.sig` of one image to
// the `.sig` tag of another. The signature bytes and the key are fine; only the digest claimed in
// the signed payload gives the copy away, so both verifiers must check it.
func TestLegacySignatureCopiedToAnotherImageIsRefused(t *testing.T) {
	t.Parallel()
	cosign := newCosign(t)
	keyPath, pubPath := cosign.generateKeyPair(t, cosignKeyPrefix)
	signer := loadCosignKey(t, keyPath)
	pub := loadPublicKey(t, pubPath)
	signers := []struct {
		name string
		sign func(t *testing.T, ref name.Digest)
	}{
		{"a .sig made by cosign", func(t *testing.T, ref name.Digest) {
			cosign.sign(t, signing.FormatLegacy, keyPath, ref)
		}},
		{"a .sig made by us", func(t *testing.T, ref name.Digest) {
			ourSign(t, signing.FormatLegacy, signer, ref)
		}},
	}
	for _, s := range signers {
		t.Run(s.name+" and copied onto another image's tag is refused by cosign and by us", func(t *testing.T) {
			host := registrytest.Start(t).Host
			signed := registrytest.PushRandomImage(t, host+"/actions/scale")
			other := registrytest.PushRandomImage(t, host+"/actions/scale")
			s.sign(t, signed)
			copyLegacySignature(t, signed, other)

			mustCosignRefuse(t, cosign, pubPath, other, "invalid or missing digest in claim")
			if _, err := ourVerify(t, other, pub); !errors.Is(err, verify.ErrDigestMismatch) {
				t.Errorf("our verifier on the copy: got %v, want %v", err, verify.ErrDigestMismatch)
			}
			// The original stays valid: the refusal is about the copy, not the signature.
			mustOurVerify(t, signed, signing.FormatLegacy, pub)
			mustCosignVerify(t, cosign, pubPath, signed)
		})
	}
}

// copyLegacySignature writes the `.sig` image of from under the `.sig` tag of to, unchanged.
func copyLegacySignature(t *testing.T, from, to name.Digest) {
	t.Helper()
	sig, err := remote.Image(signing.LegacySignatureTag(from), remote.WithContext(t.Context()))
	if err != nil {
		t.Fatalf("reading the .sig of %s: %v", from, err)
	}
	if err := remote.Write(signing.LegacySignatureTag(to), sig, remote.WithContext(t.Context())); err != nil {
		t.Fatalf("copying the .sig onto %s: %v", to, err)
	}
}
