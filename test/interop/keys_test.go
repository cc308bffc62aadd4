package interop_test

import (
	"crypto/ecdsa"
	"errors"
	"path/filepath"
	"testing"

	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
	"github.com/kubernaut/kubernaut/internal/signing"
)

func TestKeysFromCosignGenerateKeyPairSignWithUs(t *testing.T) {
	t.Parallel()
	cosign := newCosign(t)
	keyPath, pubPath := cosign.generateKeyPair(t, cosignKeyPrefix)

	signer := loadCosignKey(t, keyPath)
	pub := loadPublicKey(t, pubPath)
	if !signer.Public().(*ecdsa.PublicKey).Equal(pub) {
		t.Fatal("the key read from cosign.key does not match the one read from cosign.pub")
	}
	if _, err := signing.LoadPrivateKey(readFile(t, keyPath), []byte("not-"+cosignPassword)); !errors.Is(err, signing.ErrIncorrectPassword) {
		t.Errorf("LoadPrivateKey of cosign.key with a wrong password: got %v, want %v", err, signing.ErrIncorrectPassword)
	}

	for _, format := range formats {
		t.Run("our "+string(format)+" signature made with cosign.key verifies in cosign and in our verifier",
			func(t *testing.T) {
				ref := registrytest.PushRandomImage(t, registrytest.Start(t).Host+"/actions/scale")
				ourSign(t, format, signer, ref)

				mustCosignVerify(t, cosign, pubPath, ref)
				mustOurVerify(t, ref, format, pub)
			})
	}
}

func TestKeysFromOurGenerateKeyPairSignWithCosign(t *testing.T) {
	t.Parallel()
	cosign := newCosign(t)
	_, pubPath := writeOurKeyPair(t, cosign.dir, "ours")
	keyPath := filepath.Join(cosign.dir, "ours.key")
	pub := loadPublicKey(t, pubPath)

	// cosign decrypts our private key (COSIGN_PASSWORD) and derives exactly our public key.
	derived, err := signing.LoadPublicKey([]byte(cosign.mustRun(t, "public-key", "--key", keyPath)))
	if err != nil {
		t.Fatalf("reading the public key cosign derived from our key: %v", err)
	}
	if !pub.(*ecdsa.PublicKey).Equal(derived) {
		t.Fatal("cosign public-key of our private key differs from our public key")
	}

	for _, format := range formats {
		t.Run("a cosign "+string(format)+" signature made with our key verifies in our verifier and in cosign",
			func(t *testing.T) {
				ref := registrytest.PushRandomImage(t, registrytest.Start(t).Host+"/actions/scale")
				cosign.sign(t, format, keyPath, ref)

				mustOurVerify(t, ref, format, pub)
				mustCosignVerify(t, cosign, pubPath, ref)
			})
	}
}
