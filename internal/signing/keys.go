package signing

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
	"fmt"
	"strings"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// Errors callers branch on (CLI exit messages, password prompts).
var (
	// ErrIncorrectPassword means an encrypted private key did not decrypt with the given password.
	ErrIncorrectPassword = errors.New("incorrect password for the encrypted private key")
	// ErrUnsupportedKey means the key is valid but of a type or curve this package cannot sign with.
	ErrUnsupportedKey = errors.New("unsupported key")
	// ErrInvalidKey means the bytes are not a key in any format this package reads.
	ErrInvalidKey = errors.New("invalid key")
)

// KeyPair is a PEM-encoded key pair in cosign's file formats: PrivatePEM is what
// `cosign generate-key-pair` writes to cosign.key, PublicPEM what it writes to cosign.pub.
type KeyPair struct {
	PrivatePEM []byte
	PublicPEM  []byte
}

// GenerateKeyPair creates an ECDSA P-256 key pair encrypted exactly like `cosign generate-key-pair`:
// the PKCS #8 DER of the private key sealed with securesystemslib's `encrypted.Encrypt` (scrypt +
// NaCl secretbox) in a PEM block of type "ENCRYPTED SIGSTORE PRIVATE KEY". An empty password is
// allowed, as in cosign (COSIGN_PASSWORD=""), but the key is then only obscured, not protected.
func GenerateKeyPair(password []byte) (*KeyPair, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating ECDSA P-256 key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("encoding private key as PKCS #8: %w", err)
	}
	if password == nil {
		password = []byte{}
	}
	sealed, err := encrypted.Encrypt(der, password)
	if err != nil {
		return nil, fmt.Errorf("encrypting private key: %w", err)
	}
	pub, err := cryptoutils.MarshalPublicKeyToPEM(priv.Public())
	if err != nil {
		return nil, fmt.Errorf("encoding public key: %w", err)
	}
	return &KeyPair{
		PrivatePEM: pem.EncodeToMemory(&pem.Block{Type: PEMTypeEncryptedSigstore, Bytes: sealed}),
		PublicPEM:  pub,
	}, nil
}

// LoadPrivateKey reads a private key for signing. It accepts cosign's encrypted formats
// ("ENCRYPTED SIGSTORE PRIVATE KEY" and the older "ENCRYPTED COSIGN PRIVATE KEY", decrypted with
// password) and plain PEM ("EC PRIVATE KEY", PKCS #8 "PRIVATE KEY"; password ignored). Only ECDSA
// P-256 keys are accepted, the algorithm cosign uses by default and the one the verifier expects.
func LoadPrivateKey(pemBytes, password []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block found in private key data", ErrInvalidKey)
	}
	var (
		key any
		err error
	)
	switch block.Type {
	case PEMTypeEncryptedSigstore, PEMTypeEncryptedCosign:
		key, err = decryptCosignKey(block.Bytes, password)
	case PEMTypeECPrivateKey:
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case PEMTypePrivateKey:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		return nil, fmt.Errorf("%w: PEM type %q: only ECDSA P-256 keys can sign", ErrUnsupportedKey, block.Type)
	default:
		return nil, fmt.Errorf("%w: unknown PEM type %q (want %q, %q, %q or %q)", ErrInvalidKey, block.Type,
			PEMTypeEncryptedSigstore, PEMTypeEncryptedCosign, PEMTypeECPrivateKey, PEMTypePrivateKey)
	}
	if errors.Is(err, ErrIncorrectPassword) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("%w: parsing %q block: %w", ErrInvalidKey, block.Type, err)
	}
	ecKey, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: %s private key: only ECDSA P-256 keys can sign", ErrUnsupportedKey, keyTypeName(key))
	}
	if ecKey.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%w: ECDSA curve %s: only P-256 is supported", ErrUnsupportedKey, ecKey.Curve.Params().Name)
	}
	return ecKey, nil
}

// decryptCosignKey opens the securesystemslib envelope of a cosign key and parses the PKCS #8 inside.
func decryptCosignKey(sealed, password []byte) (any, error) {
	if password == nil {
		password = []byte{}
	}
	der, err := encrypted.Decrypt(sealed, password)
	if err != nil {
		// securesystemslib returns an unexported error for a failed secretbox open, which is what a
		// wrong password produces; the other errors (bad JSON, unknown KDF) mean a damaged file.
		// The key tests pin this text for the pinned module version.
		if strings.Contains(err.Error(), "decryption failed") {
			return nil, ErrIncorrectPassword
		}
		return nil, fmt.Errorf("decrypting: %w", err)
	}
	return x509.ParsePKCS8PrivateKey(der)
}

// LoadPublicKey reads a PEM public key such as cosign.pub ("PUBLIC KEY", PKIX). It accepts the key
// types cosign verifies with (ECDSA, RSA, Ed25519) and rejects weak ones (small RSA, unknown curves).
func LoadPublicKey(pemBytes []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block found in public key data", ErrInvalidKey)
	}
	if block.Type != PEMTypePublicKey {
		return nil, fmt.Errorf("%w: PEM type %q, want %q", ErrInvalidKey, block.Type, PEMTypePublicKey)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: parsing PKIX public key: %w", ErrInvalidKey, err)
	}
	if err := cryptoutils.ValidatePubKey(pub); err != nil {
		return nil, fmt.Errorf("%w: %s public key: %w", ErrUnsupportedKey, keyTypeName(pub), err)
	}
	return pub, nil
}

// KeyID returns the identifier of a public key that cosign and sigstore-go put into a bundle's
// `verificationMaterial.publicKey.hint`: the standard base64 of the SHA-256 of the PKIX DER. It is
// stable across files and formats of the same key, so it names keys in results and logs. It returns
// "" for a key type x509 cannot encode.
func KeyID(pub crypto.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(der)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// keyTypeName names a key's algorithm for error messages.
func keyTypeName(key any) string {
	switch key.(type) {
	case *ecdsa.PrivateKey, *ecdsa.PublicKey:
		return "ECDSA"
	case *rsa.PrivateKey, *rsa.PublicKey:
		return "RSA"
	case ed25519.PrivateKey, ed25519.PublicKey:
		return "Ed25519"
	default:
		return fmt.Sprintf("%T", key)
	}
}
