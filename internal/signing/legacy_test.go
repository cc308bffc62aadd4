package signing_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
	"github.com/kubernaut/kubernaut/internal/signing"
)

func TestSignLegacyWritesACosignV2SigTag(t *testing.T) {
	host := registrytest.Start(t).Host
	ref := registrytest.PushRandomImage(t, host+"/actions/restart")
	signer, pub := newSigner(t)

	sig := mustSign(t, ref, signer, signing.Options{Format: signing.FormatLegacy, Annotations: map[string]string{"team": "sre"}})

	wantTag := ref.Context().Tag("sha256-" + ref.DigestStr()[len("sha256:"):] + ".sig")
	if sig.Format != signing.FormatLegacy || sig.Ref != wantTag.String() {
		t.Errorf("Signature = %+v, want format legacy at %s", sig, wantTag)
	}
	manifest, layers := sigImage(t, ref)
	if manifest.MediaType != types.OCIManifestSchema1 || manifest.Config.MediaType != types.OCIConfigJSON {
		t.Errorf(".sig media types = %q / config %q, want OCI as cosign writes by default", manifest.MediaType, manifest.Config.MediaType)
	}
	if len(layers) != 1 {
		t.Fatalf(".sig image has %d layers, want 1", len(layers))
	}
	if layers[0].desc.MediaType != signing.SimpleSigningMediaType {
		t.Errorf("layer media type = %q, want %q", layers[0].desc.MediaType, signing.SimpleSigningMediaType)
	}
	var payload map[string]any
	if err := json.Unmarshal(layers[0].payload, &payload); err != nil {
		t.Fatalf("payload is not JSON: %v", err)
	}
	want := map[string]any{
		"critical": map[string]any{
			"identity": map[string]any{"docker-reference": ref.Context().Name()},
			"image":    map[string]any{"docker-manifest-digest": ref.DigestStr()},
			"type":     "cosign container image signature",
		},
		"optional": map[string]any{"team": "sre"},
	}
	if diff := cmp.Diff(want, payload); diff != "" {
		t.Errorf("simple-signing payload mismatch (-want +got):\n%s", diff)
	}
	if !layers[0].verifies(pub) {
		t.Error("the layer's signature annotation does not verify with the public key")
	}
}

func TestLegacySignaturesAreAppendedNotReplaced(t *testing.T) {
	host := registrytest.Start(t).Host
	ref := registrytest.PushRandomImage(t, host+"/actions/restart")
	first, firstPub := newSigner(t)
	second, secondPub := newSigner(t)
	legacy := signing.Options{Format: signing.FormatLegacy}

	mustSign(t, ref, first, legacy)
	_, before := sigImage(t, ref)
	mustSign(t, ref, second, legacy)
	mustSign(t, ref, first, legacy) // the same key again: cosign keeps one layer per key and payload

	_, layers := sigImage(t, ref)
	if len(layers) != 2 {
		t.Fatalf(".sig image has %d layers, want 2 (one per key)", len(layers))
	}
	if diff := cmp.Diff(before[0].desc, layers[0].desc); diff != "" {
		t.Errorf("appending changed the first signature layer (-before +after):\n%s", diff)
	}
	if !layers[0].verifies(firstPub) || !layers[1].verifies(secondPub) {
		t.Error("after appending, each layer must still verify with the key that signed it")
	}
}

func TestAttachLegacyAddsEachDistinctSignatureOnce(t *testing.T) {
	host := registrytest.Start(t, registrytest.WithReferrersSupport(false)).Host
	ref := registrytest.PushRandomImage(t, host+"/actions/restart")
	payload, err := signing.LegacyPayload(ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := newSigner(t)
	sigB64 := signPayload(t, signer, payload)
	ctx := context.Background()
	attach := func(annotations map[string]string) {
		t.Helper()
		if _, err := signing.AttachLegacy(ctx, ref, payload, sigB64, annotations, signing.Options{}); err != nil {
			t.Fatalf("AttachLegacy: %v", err)
		}
	}

	attach(map[string]string{signing.AnnotationCertificate: "cert-1"})
	attach(map[string]string{signing.AnnotationCertificate: "cert-1"}) // identical: not added again
	attach(map[string]string{signing.AnnotationCertificate: "cert-2"})

	_, layers := sigImage(t, ref)
	var got []map[string]string
	for _, l := range layers {
		got = append(got, l.desc.Annotations)
	}
	want := []map[string]string{
		{signing.AnnotationCertificate: "cert-1", signing.AnnotationSignature: string(sigB64)},
		{signing.AnnotationCertificate: "cert-2", signing.AnnotationSignature: string(sigB64)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("layer annotations mismatch (-want +got):\n%s", diff)
	}
}

func TestAttachLegacyRejectsMalformedSignatures(t *testing.T) {
	host := registrytest.Start(t).Host
	ref := registrytest.PushRandomImage(t, host+"/actions/restart")
	tests := []struct {
		name    string
		payload []byte
		sig     []byte
	}{
		{name: "an empty payload", payload: nil, sig: []byte("c2ln")},
		{name: "an empty signature", payload: []byte("{}"), sig: nil},
		{name: "a signature that is not base64", payload: []byte("{}"), sig: []byte("not base64!")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := signing.AttachLegacy(context.Background(), ref, tt.payload, tt.sig, nil, signing.Options{}); err == nil {
				t.Fatal("AttachLegacy succeeded, want an error")
			}
			if _, err := remote.Head(signing.LegacySignatureTag(ref)); err == nil {
				t.Error("a .sig tag was written for a rejected signature")
			}
		})
	}
}

// sigLayer is one layer of a `.sig` image with its payload.
type sigLayer struct {
	desc    v1.Descriptor
	payload []byte
}

// verifies checks the layer the way cosign does for a key: ECDSA over SHA-256 of the payload.
func (l sigLayer) verifies(pub crypto.PublicKey) bool {
	sig, err := base64.StdEncoding.DecodeString(l.desc.Annotations[signing.AnnotationSignature])
	if err != nil {
		return false
	}
	sum := sha256.Sum256(l.payload)
	return ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), sum[:], sig)
}

// sigImage reads the `.sig` image of ref with every layer's payload.
func sigImage(t *testing.T, ref name.Digest) (*v1.Manifest, []sigLayer) {
	t.Helper()
	img, err := remote.Image(signing.LegacySignatureTag(ref))
	if err != nil {
		t.Fatalf("reading .sig image: %v", err)
	}
	manifest, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	var layers []sigLayer
	for _, desc := range manifest.Layers {
		layers = append(layers, sigLayer{desc: desc, payload: registrytest.FetchBlob(t, ref.Context().Digest(desc.Digest.String()))})
	}
	return manifest, layers
}

func signPayload(t *testing.T, signer crypto.Signer, payload []byte) []byte {
	t.Helper()
	sum := sha256.Sum256(payload)
	sig, err := signer.Sign(rand.Reader, sum[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(base64.StdEncoding.EncodeToString(sig))
}
