package signing

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	intotov1 "github.com/in-toto/attestation/go/v1"
	"github.com/sigstore/sigstore/pkg/signature/payload"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// ImageStatement returns the in-toto Statement v1 that `cosign sign` (v3, bundle format) signs for
// an image: one subject with the image's sha256 digest and the given annotations, predicateType
// CosignSignPredicateType and an empty predicate. Like cosign, the subject carries no name: the
// signature binds the content, so it stays valid when the image is copied to another registry.
func ImageStatement(ref name.Digest, annotations map[string]string) ([]byte, error) {
	hexDigest, err := sha256Hex(ref)
	if err != nil {
		return nil, err
	}
	subjectAnnotations, err := structpb.NewStruct(anyMap(annotations))
	if err != nil {
		return nil, fmt.Errorf("encoding subject annotations: %w", err)
	}
	statement := &intotov1.Statement{
		Type: intotov1.StatementTypeUri,
		Subject: []*intotov1.ResourceDescriptor{{
			Digest:      map[string]string{"sha256": hexDigest},
			Annotations: subjectAnnotations,
		}},
		PredicateType: CosignSignPredicateType,
		Predicate:     &structpb.Struct{},
	}
	if err := statement.Validate(); err != nil {
		return nil, fmt.Errorf("building in-toto statement for %s: %w", ref, err)
	}
	b, err := protojson.Marshal(statement)
	if err != nil {
		return nil, fmt.Errorf("encoding in-toto statement: %w", err)
	}
	return b, nil
}

// LegacyPayload returns the simple-signing payload that `cosign sign --new-bundle-format=false`
// signs: `critical.image.docker-manifest-digest` is the image digest and
// `critical.identity.docker-reference` the repository; annotations land in `optional`.
func LegacyPayload(ref name.Digest, annotations map[string]string) ([]byte, error) {
	if _, err := sha256Hex(ref); err != nil {
		return nil, err
	}
	var optional map[string]any
	if len(annotations) > 0 {
		optional = anyMap(annotations)
	}
	b, err := payload.Cosign{Image: ref, Annotations: optional}.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encoding simple-signing payload for %s: %w", ref, err)
	}
	return b, nil
}

// sha256Hex returns the hex part of a sha256 digest reference, the only algorithm cosign signs.
func sha256Hex(ref name.Digest) (string, error) {
	hexDigest, ok := strings.CutPrefix(ref.DigestStr(), "sha256:")
	if !ok || len(hexDigest) != 64 {
		return "", fmt.Errorf("image reference %q: want a sha256 digest (REPO@sha256:<64 hex>)", ref.String())
	}
	if _, err := hex.DecodeString(hexDigest); err != nil {
		return "", fmt.Errorf("image reference %q: digest is not hex: %w", ref.String(), err)
	}
	return hexDigest, nil
}

// anyMap converts string annotations to the map[string]any the payload encoders take.
func anyMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
