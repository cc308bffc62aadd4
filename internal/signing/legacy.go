package signing

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"maps"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// maxLegacySignatures is cosign's cap on layers of a `.sig` image; its verifier refuses more, so
// appending beyond it would make every signature of the image unverifiable.
const maxLegacySignatures = 1000

// legacyLayer is one signature of a `.sig` image as it will be written.
type legacyLayer struct {
	payload     []byte
	annotations map[string]string // includes AnnotationSignature
}

// isDuplicateFunc decides whether an existing layer of the `.sig` image already holds the new signature.
type isDuplicateFunc func(existing v1.Descriptor, added v1.Descriptor) bool

// signLegacy signs the simple-signing payload of ref and appends it to the `.sig` image.
func signLegacy(ctx context.Context, ref name.Digest, signer crypto.Signer, opts Options) (*Signature, error) {
	payload, err := LegacyPayload(ref, opts.Annotations)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(payload)
	sig, err := signer.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("signing payload for %s: %w", ref, err)
	}
	layer := legacyLayer{
		payload:     payload,
		annotations: map[string]string{AnnotationSignature: base64.StdEncoding.EncodeToString(sig)},
	}
	pub, _ := signer.Public().(*ecdsa.PublicKey) // NewKeypair in Sign already required ECDSA P-256
	return appendLegacy(ctx, ref, layer, sameKeySignature(pub), opts)
}

// AttachLegacy appends an already computed signature to the `sha256-<hex>.sig` image of ref, as
// cosign v2 stores signatures. payload is the signed simple-signing JSON, sigB64 the base64
// signature, annotations any further layer annotations (for keyless signatures the certificate,
// chain and Rekor bundle: AnnotationCertificate, AnnotationChain, AnnotationRekorBundle). An
// identical layer (same payload and annotations) is not added twice. The payload is not compared with
// ref, so tests can plant signatures copied from another image.
func AttachLegacy(ctx context.Context, ref name.Digest, payload, sigB64 []byte, annotations map[string]string,
	opts Options,
) (*Signature, error) {
	if _, err := sha256Hex(ref); err != nil {
		return nil, err
	}
	if len(payload) == 0 || len(sigB64) == 0 {
		return nil, fmt.Errorf("legacy signature for %s: payload and signature must not be empty", ref)
	}
	if _, err := base64.StdEncoding.DecodeString(string(sigB64)); err != nil {
		return nil, fmt.Errorf("legacy signature for %s: signature is not standard base64: %w", ref, err)
	}
	layerAnnotations := maps.Clone(annotations)
	if layerAnnotations == nil {
		layerAnnotations = map[string]string{}
	}
	layerAnnotations[AnnotationSignature] = string(sigB64)
	if _, err := headImage(ctx, ref, opts); err != nil {
		return nil, err
	}
	return appendLegacy(ctx, ref, legacyLayer{payload: payload, annotations: layerAnnotations}, identicalLayer, opts)
}

// LegacySignatureTag returns the tag that holds the legacy signatures of ref: `sha256-<hex>.sig`
// in the same repository.
func LegacySignatureTag(ref name.Digest) name.Tag {
	return ref.Context().Tag(strings.Replace(ref.DigestStr(), ":", "-", 1) + LegacySignatureTagSuffix)
}

// appendLegacy reads the `.sig` image (or starts an empty one), appends the layer unless isDuplicate
// finds it already there, and pushes the result. The read-modify-write is not atomic: two concurrent
// signers can lose one signature, exactly as with cosign.
func appendLegacy(ctx context.Context, ref name.Digest, layer legacyLayer, isDuplicate isDuplicateFunc,
	opts Options,
) (*Signature, error) {
	tag := LegacySignatureTag(ref)
	result := &Signature{Format: FormatLegacy, Ref: tag.String()}
	base, existing, err := readSignatureImage(ctx, tag, opts)
	if err != nil {
		return nil, err
	}
	added := static.NewLayer(layer.payload, types.MediaType(SimpleSigningMediaType))
	addedDesc, err := layerDescriptor(added, layer.annotations)
	if err != nil {
		return nil, err
	}
	for _, desc := range existing {
		if isDuplicate(desc, addedDesc) {
			return result, nil
		}
	}
	if len(existing) >= maxLegacySignatures {
		return nil, fmt.Errorf("%s already holds %d signatures, cosign's limit", tag, len(existing))
	}
	img, err := mutate.Append(base, mutate.Addendum{Layer: added, Annotations: layer.annotations})
	if err != nil {
		return nil, fmt.Errorf("appending signature layer: %w", err)
	}
	if err := remote.Write(tag, img, opts.remoteOptions(ctx)...); err != nil {
		return nil, fmt.Errorf("pushing %s: %w", tag, err)
	}
	return result, nil
}

// readSignatureImage returns the current `.sig` image and its layer descriptors, or an empty
// signature image (OCI media types, as cosign writes by default) when the tag does not exist yet.
func readSignatureImage(ctx context.Context, tag name.Tag, opts Options) (v1.Image, []v1.Descriptor, error) {
	img, err := remote.Image(tag, opts.remoteOptions(ctx)...)
	if isNotFound(err) {
		base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
		return mutate.ConfigMediaType(base, types.OCIConfigJSON), nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", tag, err)
	}
	manifest, err := img.Manifest()
	if err != nil {
		return nil, nil, fmt.Errorf("reading manifest of %s: %w", tag, err)
	}
	return img, manifest.Layers, nil
}

// layerDescriptor describes a layer with its annotations as it will appear in the manifest.
func layerDescriptor(layer v1.Layer, annotations map[string]string) (v1.Descriptor, error) {
	digest, err := layer.Digest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	size, err := layer.Size()
	if err != nil {
		return v1.Descriptor{}, err
	}
	mediaType, err := layer.MediaType()
	if err != nil {
		return v1.Descriptor{}, err
	}
	return v1.Descriptor{MediaType: mediaType, Digest: digest, Size: size, Annotations: annotations}, nil
}

// identicalLayer treats a layer as a duplicate when payload, media type and every annotation match.
func identicalLayer(existing, added v1.Descriptor) bool {
	return existing.Digest == added.Digest && existing.MediaType == added.MediaType &&
		maps.Equal(existing.Annotations, added.Annotations)
}

// sameKeySignature is cosign's duplicate rule for `cosign sign`: the same payload with the same
// extra annotations, already signed by the same key. ECDSA signatures differ on every run, so
// comparing signature bytes would append a new layer each time the same key re-signs.
func sameKeySignature(pub *ecdsa.PublicKey) isDuplicateFunc {
	return func(existing, added v1.Descriptor) bool {
		if existing.Digest != added.Digest || existing.MediaType != added.MediaType {
			return false
		}
		for k, v := range added.Annotations {
			if k != AnnotationSignature && existing.Annotations[k] != v {
				return false
			}
		}
		sig, err := base64.StdEncoding.DecodeString(existing.Annotations[AnnotationSignature])
		if err != nil || pub == nil {
			return false
		}
		// The layer digest is the payload's SHA-256: signature layers are stored uncompressed.
		sum, err := hex.DecodeString(added.Digest.Hex)
		return err == nil && ecdsa.VerifyASN1(pub, sum, sig)
	}
}
