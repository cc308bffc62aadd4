package signing

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"google.golang.org/protobuf/encoding/protojson"
)

// emptyConfig is the OCI 1.1 empty descriptor content used as the config of artifact manifests.
var emptyConfig = []byte("{}")

// signBundle signs the image statement into a DSSE bundle and attaches it as a referrer.
func signBundle(ctx context.Context, ref name.Digest, subject v1.Descriptor, keypair sign.Keypair,
	opts Options,
) (*Signature, error) {
	statement, err := ImageStatement(ref, opts.Annotations)
	if err != nil {
		return nil, err
	}
	signed, err := sign.Bundle(&sign.DSSEData{Data: statement, PayloadType: InTotoPayloadType}, keypair, sign.BundleOptions{
		Context:             ctx,
		CertificateProvider: opts.CertificateProvider,
		TransparencyLogs:    opts.TransparencyLogs,
	})
	if err != nil {
		return nil, fmt.Errorf("signing statement for %s: %w", ref, err)
	}
	bundleJSON, err := protojson.Marshal(signed)
	if err != nil {
		return nil, fmt.Errorf("encoding bundle: %w", err)
	}
	return attachBundle(ctx, ref, subject, bundleJSON, CosignSignPredicateType, opts)
}

// AttachBundle stores an already signed Sigstore bundle (JSON) as a referrer of ref, exactly as
// cosign v3's WriteAttestationNewBundleFormat does. The bundle must be a valid v0.3 bundle with a
// DSSE in-toto statement, whose predicateType is copied into the manifest annotations. The statement
// subject is deliberately NOT compared with ref: tests use this to plant signatures copied from
// another image, which the verifier must reject.
func AttachBundle(ctx context.Context, ref name.Digest, bundleJSON []byte, opts Options) (*Signature, error) {
	if _, err := sha256Hex(ref); err != nil {
		return nil, err
	}
	predicateType, err := bundlePredicateType(bundleJSON)
	if err != nil {
		return nil, err
	}
	subject, err := headImage(ctx, ref, opts)
	if err != nil {
		return nil, err
	}
	return attachBundle(ctx, ref, *subject, bundleJSON, predicateType, opts)
}

// bundlePredicateType checks that bundleJSON is a bundle this package would write and returns the
// predicateType of its statement.
func bundlePredicateType(bundleJSON []byte) (string, error) {
	var b bundle.Bundle
	if err := b.UnmarshalJSON(bundleJSON); err != nil {
		return "", fmt.Errorf("invalid Sigstore bundle: %w", err)
	}
	if b.GetMediaType() != BundleMediaType {
		return "", fmt.Errorf("bundle media type %q: want %q", b.GetMediaType(), BundleMediaType)
	}
	envelope := b.GetDsseEnvelope()
	if envelope == nil {
		return "", errors.New("bundle holds no DSSE envelope: image signatures are DSSE-signed in-toto statements")
	}
	if envelope.GetPayloadType() != InTotoPayloadType {
		return "", fmt.Errorf("DSSE payloadType %q: want %q", envelope.GetPayloadType(), InTotoPayloadType)
	}
	var statement struct {
		PredicateType string `json:"predicateType"`
	}
	if err := json.Unmarshal(envelope.GetPayload(), &statement); err != nil {
		return "", fmt.Errorf("DSSE payload is not an in-toto statement: %w", err)
	}
	if statement.PredicateType == "" {
		return "", errors.New("in-toto statement has no predicateType")
	}
	return statement.PredicateType, nil
}

// attachBundle uploads the empty config and the bundle blob, then PUTs a referrer manifest whose
// subject is the image. go-containerregistry's remote.Put sees the subject and, when the registry has
// no Referrers API, adds the manifest to the `sha256-<hex>` fallback tag index itself.
func attachBundle(ctx context.Context, ref name.Digest, subject v1.Descriptor, bundleJSON []byte,
	predicateType string, opts Options,
) (*Signature, error) {
	annotations := map[string]string{
		AnnotationCreated:             time.Now().UTC().Format(time.RFC3339),
		AnnotationBundleContent:       BundleContentDSSE,
		AnnotationBundlePredicateType: predicateType,
	}
	target, err := writeReferrer(ctx, ref.Context(), subject, bundleJSON, annotations, opts)
	if err != nil {
		return nil, fmt.Errorf("attaching bundle to %s: %w", ref, err)
	}
	return &Signature{Format: FormatBundle, Ref: target.String()}, nil
}

// writeReferrer writes the manifest cosign v3.1.3 writes in WriteReferrer: an OCI image manifest
// with artifactType and config.artifactType set to the bundle media type, the `{}` config, the bundle
// as its only layer and the image as subject.
func writeReferrer(ctx context.Context, repo name.Repository, subject v1.Descriptor, bundleJSON []byte,
	annotations map[string]string, opts Options,
) (name.Digest, error) {
	remoteOpts := opts.remoteOptions(ctx)
	config := static.NewLayer(emptyConfig, types.MediaType(EmptyConfigMediaType))
	layer := static.NewLayer(bundleJSON, types.MediaType(BundleMediaType))
	for _, blob := range []v1.Layer{config, layer} {
		if err := remote.WriteLayer(repo, blob, remoteOpts...); err != nil {
			return name.Digest{}, fmt.Errorf("uploading blob: %w", err)
		}
	}
	manifest := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		Config:        blobDescriptor(EmptyConfigMediaType, emptyConfig),
		Layers:        []v1.Descriptor{blobDescriptor(BundleMediaType, bundleJSON)},
		Subject:       &v1.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
		Annotations:   annotations,
		ArtifactType:  BundleMediaType,
	}
	// cosign also sets the config descriptor's artifactType; copied so both manifests look alike.
	manifest.Config.ArtifactType = BundleMediaType
	raw, err := json.Marshal(manifest)
	if err != nil {
		return name.Digest{}, fmt.Errorf("encoding referrer manifest: %w", err)
	}
	digest, _, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return name.Digest{}, err
	}
	target := repo.Digest(digest.String())
	if err := remote.Put(target, rawManifest{raw: raw, mediaType: types.OCIManifestSchema1}, remoteOpts...); err != nil {
		return name.Digest{}, fmt.Errorf("uploading referrer manifest: %w", err)
	}
	return target, nil
}

// blobDescriptor describes content as a blob of the given media type.
func blobDescriptor(mediaType string, content []byte) v1.Descriptor {
	digest, size, _ := v1.SHA256(bytes.NewReader(content)) // hashing a bytes.Reader cannot fail
	return v1.Descriptor{MediaType: types.MediaType(mediaType), Digest: digest, Size: size}
}

// rawManifest is a remote.Taggable over manifest bytes we serialised ourselves, so the digest we
// computed is the digest the registry stores.
type rawManifest struct {
	raw       []byte
	mediaType types.MediaType
}

// RawManifest implements remote.Taggable.
func (m rawManifest) RawManifest() ([]byte, error) { return m.raw, nil }

// MediaType implements remote.Describable, so remote.Put sends the right Content-Type.
func (m rawManifest) MediaType() (types.MediaType, error) { return m.mediaType, nil }
