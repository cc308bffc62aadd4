package signing

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"fmt"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// NewKeypair adapts an ECDSA P-256 signer (a loaded cosign key, or the leaf key of a test
// certificate authority) to sigstore-go's sign.Keypair, so sign.Bundle can use it. The bundle's
// public-key hint is KeyID, the value cosign writes.
func NewKeypair(signer crypto.Signer) (sign.Keypair, error) {
	if signer == nil {
		return nil, fmt.Errorf("%w: signer is nil", ErrInvalidKey)
	}
	pub, ok := signer.Public().(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: %s signer: only ECDSA P-256 keys can sign", ErrUnsupportedKey, keyTypeName(signer.Public()))
	}
	if pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%w: ECDSA curve %s: only P-256 is supported", ErrUnsupportedKey, pub.Curve.Params().Name)
	}
	return &ecdsaKeypair{signer: signer, hint: []byte(KeyID(pub))}, nil
}

// ecdsaKeypair implements sign.Keypair over any crypto.Signer holding a P-256 key, so keys in
// hardware or KMS could sign too; sigstore-go's own EphemeralKeypair only wraps keys it generates.
type ecdsaKeypair struct {
	signer crypto.Signer
	hint   []byte
}

var _ sign.Keypair = (*ecdsaKeypair)(nil)

// GetHashAlgorithm implements sign.Keypair.
func (k *ecdsaKeypair) GetHashAlgorithm() protocommon.HashAlgorithm {
	return protocommon.HashAlgorithm_SHA2_256
}

// GetSigningAlgorithm implements sign.Keypair.
func (k *ecdsaKeypair) GetSigningAlgorithm() protocommon.PublicKeyDetails {
	return protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256
}

// GetHint implements sign.Keypair.
func (k *ecdsaKeypair) GetHint() []byte { return k.hint }

// GetKeyAlgorithm implements sign.Keypair; the value is what Fulcio expects in requests.
func (k *ecdsaKeypair) GetKeyAlgorithm() string { return "ECDSA" }

// GetPublicKey implements sign.Keypair.
func (k *ecdsaKeypair) GetPublicKey() crypto.PublicKey { return k.signer.Public() }

// GetPublicKeyPem implements sign.Keypair.
func (k *ecdsaKeypair) GetPublicKeyPem() (string, error) {
	b, err := cryptoutils.MarshalPublicKeyToPEM(k.signer.Public())
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// SignData implements sign.Keypair: it returns the ASN.1 ECDSA signature over SHA-256(data) and
// that digest, as sigstore-go's EphemeralKeypair does.
func (k *ecdsaKeypair) SignData(_ context.Context, data []byte) ([]byte, []byte, error) {
	digest := sha256.Sum256(data)
	sig, err := k.signer.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return nil, nil, fmt.Errorf("signing with ECDSA P-256 key: %w", err)
	}
	return sig, digest[:], nil
}
