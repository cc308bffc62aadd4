package signing_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"

	"github.com/kubernaut/kubernaut/internal/signing"
)

func TestGeneratedKeyPairLoadsBackWithItsPassword(t *testing.T) {
	tests := []struct {
		name     string
		password []byte
	}{
		{name: "a non-empty password protects the key", password: []byte("correct horse")},
		{name: "an empty password is allowed as in cosign", password: []byte{}},
		{name: "a nil password means the empty password", password: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pair, err := signing.GenerateKeyPair(tt.password)
			if err != nil {
				t.Fatalf("GenerateKeyPair: %v", err)
			}
			if got := pemType(t, pair.PrivatePEM); got != signing.PEMTypeEncryptedSigstore {
				t.Errorf("private PEM type = %q, want %q", got, signing.PEMTypeEncryptedSigstore)
			}
			if got := pemType(t, pair.PublicPEM); got != signing.PEMTypePublicKey {
				t.Errorf("public PEM type = %q, want %q", got, signing.PEMTypePublicKey)
			}
			signer, err := signing.LoadPrivateKey(pair.PrivatePEM, tt.password)
			if err != nil {
				t.Fatalf("LoadPrivateKey: %v", err)
			}
			pub, err := signing.LoadPublicKey(pair.PublicPEM)
			if err != nil {
				t.Fatalf("LoadPublicKey: %v", err)
			}
			if !signer.Public().(*ecdsa.PublicKey).Equal(pub) {
				t.Error("the loaded private key does not belong to the public key of the pair")
			}
		})
	}
}

func TestLoadPrivateKeyRejectsAWrongPassword(t *testing.T) {
	pair, err := signing.GenerateKeyPair([]byte("right"))
	if err != nil {
		t.Fatalf("GenerateKeyPair: %v", err)
	}
	for _, password := range [][]byte{[]byte("wrong"), {}} {
		_, err := signing.LoadPrivateKey(pair.PrivatePEM, password)
		if !errors.Is(err, signing.ErrIncorrectPassword) {
			t.Errorf("LoadPrivateKey(password %q) error = %v, want ErrIncorrectPassword", password, err)
		}
	}
}

// cosign's LoadPrivateKey is encrypted.Decrypt + x509.ParsePKCS8PrivateKey: if securesystemslib can
// open our file, cosign can.
func TestGeneratedPrivateKeyDecryptsWithSecureSystemsLib(t *testing.T) {
	pair, err := signing.GenerateKeyPair([]byte("pw"))
	if err != nil {
		t.Fatalf("GenerateKeyPair: %v", err)
	}
	block, _ := pem.Decode(pair.PrivatePEM)
	der, err := encrypted.Decrypt(block.Bytes, []byte("pw"))
	if err != nil {
		t.Fatalf("encrypted.Decrypt: %v", err)
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		t.Fatalf("ParsePKCS8PrivateKey: %v", err)
	}
	ecKey, ok := key.(*ecdsa.PrivateKey)
	if !ok || ecKey.Curve != elliptic.P256() {
		t.Fatalf("decrypted key is %T, want an ECDSA P-256 key", key)
	}
	pub, err := signing.LoadPublicKey(pair.PublicPEM)
	if err != nil {
		t.Fatalf("LoadPublicKey: %v", err)
	}
	if !ecKey.PublicKey.Equal(pub) {
		t.Error("decrypted private key does not match the public key file")
	}
}

func TestLoadPrivateKeyReadsEveryCosignAndPlainFormat(t *testing.T) {
	key := newECKey(t, elliptic.P256())
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		pem      []byte
		password []byte
	}{
		{name: "cosign v2+ encrypted key", pem: encryptedPEM(t, signing.PEMTypeEncryptedSigstore, pkcs8, encrypted.Standard), password: []byte("pw")},
		{
			name:     "pre-v2 COSIGN type with legacy scrypt parameters",
			pem:      encryptedPEM(t, signing.PEMTypeEncryptedCosign, pkcs8, encrypted.Legacy),
			password: []byte("pw"),
		},
		{name: "plain SEC 1 EC key ignores the password", pem: pemBlock(signing.PEMTypeECPrivateKey, sec1), password: []byte("ignored")},
		{name: "plain PKCS #8 key", pem: pemBlock(signing.PEMTypePrivateKey, pkcs8)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signer, err := signing.LoadPrivateKey(tt.pem, tt.password)
			if err != nil {
				t.Fatalf("LoadPrivateKey: %v", err)
			}
			if !key.PublicKey.Equal(signer.Public()) {
				t.Error("loaded a different key")
			}
		})
	}
}

func TestLoadPrivateKeyRejectsKeysItCannotSignWith(t *testing.T) {
	p384, err := x509.MarshalECPrivateKey(newECKey(t, elliptic.P384()))
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pem  []byte
		want error
	}{
		{name: "an ECDSA P-384 key is unsupported", pem: pemBlock(signing.PEMTypeECPrivateKey, p384), want: signing.ErrUnsupportedKey},
		{name: "an RSA PKCS #8 key is unsupported", pem: pemBlock(signing.PEMTypePrivateKey, mustPKCS8(t, rsaKey)), want: signing.ErrUnsupportedKey},
		{name: "an RSA PKCS #1 key is unsupported", pem: pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)), want: signing.ErrUnsupportedKey},
		{
			name: "an encrypted Ed25519 key is unsupported",
			pem:  encryptedPEM(t, signing.PEMTypeEncryptedSigstore, mustPKCS8(t, edKey), encrypted.Standard),
			want: signing.ErrUnsupportedKey,
		},
		{name: "bytes without a PEM block are invalid", pem: []byte("not a key"), want: signing.ErrInvalidKey},
		{name: "an unknown PEM type is invalid", pem: pemBlock("CERTIFICATE", []byte{1}), want: signing.ErrInvalidKey},
		{name: "a damaged encrypted envelope is invalid", pem: pemBlock(signing.PEMTypeEncryptedSigstore, []byte("{")), want: signing.ErrInvalidKey},
		{name: "a damaged plain key is invalid", pem: pemBlock(signing.PEMTypeECPrivateKey, []byte{1, 2}), want: signing.ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := signing.LoadPrivateKey(tt.pem, []byte("pw"))
			if !errors.Is(err, tt.want) {
				t.Fatalf("LoadPrivateKey error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestLoadPublicKeyAcceptsOnlyStrongPKIXKeys(t *testing.T) {
	weakRSA, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pem  []byte
		want error
	}{
		{name: "an ECDSA P-256 key loads", pem: pkixPEM(t, newECKey(t, elliptic.P256()).Public())},
		{name: "an ECDSA P-384 key loads for verification", pem: pkixPEM(t, newECKey(t, elliptic.P384()).Public())},
		{name: "a 1024-bit RSA key is refused as weak", pem: pkixPEM(t, weakRSA.Public()), want: signing.ErrUnsupportedKey},
		{name: "a private key is not a public key", pem: pemBlock(signing.PEMTypePrivateKey, []byte{1}), want: signing.ErrInvalidKey},
		{name: "garbage inside the PEM block is invalid", pem: pemBlock(signing.PEMTypePublicKey, []byte{1}), want: signing.ErrInvalidKey},
		{name: "no PEM block is invalid", pem: []byte("cosign.pub"), want: signing.ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := signing.LoadPublicKey(tt.pem)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("LoadPublicKey error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestKeyIDIsTheBundleHintCosignWrites(t *testing.T) {
	key := newECKey(t, elliptic.P256())
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	want := base64.StdEncoding.EncodeToString(sum[:])
	if got := signing.KeyID(key.Public()); got != want {
		t.Errorf("KeyID = %q, want base64(sha256(PKIX DER)) %q", got, want)
	}
	keypair, err := signing.NewKeypair(key)
	if err != nil {
		t.Fatalf("NewKeypair: %v", err)
	}
	if got := string(keypair.GetHint()); got != want {
		t.Errorf("keypair hint = %q, want KeyID %q", got, want)
	}
	if got := signing.KeyID(struct{}{}); got != "" {
		t.Errorf("KeyID of a non-key = %q, want empty", got)
	}
}

func pemType(t *testing.T, b []byte) string {
	t.Helper()
	block, rest := pem.Decode(b)
	if block == nil {
		t.Fatalf("no PEM block in %q", b)
	}
	if len(rest) != 0 {
		t.Errorf("trailing data after the PEM block: %q", rest)
	}
	return block.Type
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func encryptedPEM(t *testing.T, typ string, der []byte, strength encrypted.KDFParameterStrength) []byte {
	t.Helper()
	sealed, err := encrypted.EncryptWithCustomKDFParameters(der, []byte("pw"), strength)
	if err != nil {
		t.Fatalf("encrypting key: %v", err)
	}
	return pemBlock(typ, sealed)
}

func pkixPEM(t *testing.T, pub crypto.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pemBlock(signing.PEMTypePublicKey, der)
}

func mustPKCS8(t *testing.T, key any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func newECKey(t *testing.T, curve elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}
