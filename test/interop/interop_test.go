package interop_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
	"github.com/kubernaut/kubernaut/internal/signing"
	"github.com/kubernaut/kubernaut/internal/verify"
)

// formats are the two signature formats both tools write and read.
var formats = []signing.Format{signing.FormatBundle, signing.FormatLegacy}

func TestOurVerifierAcceptsWhatCosignSigns(t *testing.T) {
	t.Parallel()
	cosign := newCosign(t)
	keyPath, pubPath := cosign.generateKeyPair(t, cosignKeyPrefix)
	pub := loadPublicKey(t, pubPath)
	stranger, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range formats {
		for _, mode := range registryModes {
			t.Run(fmt.Sprintf("a cosign %s signature on a registry %s is accepted with the key and refused with another",
				format, mode.name), func(t *testing.T) {
				ref := registrytest.PushRandomImage(t, registrytest.Start(t, registrytest.WithReferrersSupport(mode.referrers)).Host+"/actions/scale")
				cosign.sign(t, format, keyPath, ref)

				mustOurVerify(t, ref, format, pub)
				if _, err := ourVerify(t, ref, stranger.Public()); !errors.Is(err, verify.ErrNoMatchingKey) {
					t.Errorf("verifying with another key: got %v, want %v", err, verify.ErrNoMatchingKey)
				}
			})
		}
	}
}

func TestCosignAcceptsWhatWeSign(t *testing.T) {
	t.Parallel()
	cosign := newCosign(t)
	signer, pubPath := writeOurKeyPair(t, cosign.dir, "ours")
	_, strangerPubPath := writeOurKeyPair(t, cosign.dir, "stranger")
	for _, format := range formats {
		for _, mode := range registryModes {
			t.Run(fmt.Sprintf("cosign verify accepts our %s signature on a registry %s with the key and refuses another",
				format, mode.name), func(t *testing.T) {
				ref := registrytest.PushRandomImage(t, registrytest.Start(t, registrytest.WithReferrersSupport(mode.referrers)).Host+"/actions/scale")
				ourSign(t, format, signer, ref)

				mustCosignVerify(t, cosign, pubPath, ref)
				mustCosignRefuse(t, cosign, strangerPubPath, ref, "no matching")
			})
		}
	}
}

func TestCosignRefusesAnUnsignedImageLikeUs(t *testing.T) {
	t.Parallel()
	cosign := newCosign(t)
	_, pubPath := cosign.generateKeyPair(t, cosignKeyPrefix)
	for _, mode := range registryModes {
		t.Run("an image without signatures on a registry "+mode.name+" is refused by both", func(t *testing.T) {
			ref := registrytest.PushRandomImage(t, registrytest.Start(t, registrytest.WithReferrersSupport(mode.referrers)).Host+"/actions/scale")

			mustCosignRefuse(t, cosign, pubPath, ref, "no signatures found")
			if _, err := ourVerify(t, ref, loadPublicKey(t, pubPath)); !errors.Is(err, verify.ErrNoSignature) {
				t.Errorf("our verifier: got %v, want %v", err, verify.ErrNoSignature)
			}
		})
	}
}

// writeOurKeyPair makes a key pair with signing.GenerateKeyPair, writes it as NAME.key (encrypted
// with cosignPassword) and NAME.pub into dir, and returns the signer loaded back from the file and
// the public key's path.
func writeOurKeyPair(t *testing.T, dir, name string) (crypto.Signer, string) {
	t.Helper()
	pair, err := signing.GenerateKeyPair([]byte(cosignPassword))
	if err != nil {
		t.Fatalf("GenerateKeyPair: %v", err)
	}
	keyPath, pubPath := filepath.Join(dir, name+".key"), filepath.Join(dir, name+".pub")
	if err := os.WriteFile(keyPath, pair.PrivatePEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pubPath, pair.PublicPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	signer, err := signing.LoadPrivateKey(pair.PrivatePEM, []byte(cosignPassword))
	if err != nil {
		t.Fatalf("LoadPrivateKey of our own key: %v", err)
	}
	return signer, pubPath
}

// loadCosignKey reads a PREFIX.key written by `cosign generate-key-pair` with Kubernaut's loader.
func loadCosignKey(t *testing.T, path string) crypto.Signer {
	t.Helper()
	signer, err := signing.LoadPrivateKey(readFile(t, path), []byte(cosignPassword))
	if err != nil {
		t.Fatalf("LoadPrivateKey of cosign.key: %v", err)
	}
	return signer
}

// loadPublicKey reads a cosign.pub-style file with Kubernaut's loader.
func loadPublicKey(t *testing.T, path string) crypto.PublicKey {
	t.Helper()
	pub, err := signing.LoadPublicKey(readFile(t, path))
	if err != nil {
		t.Fatalf("LoadPublicKey(%s): %v", path, err)
	}
	return pub
}
