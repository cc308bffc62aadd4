package signing_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/elliptic"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
	"github.com/kubernaut/kubernaut/internal/signing"
)

func TestSignBundleAttachesAReferrerLikeCosignV3(t *testing.T) {
	tests := []struct {
		name      string
		referrers bool
	}{
		{name: "a registry with the Referrers API indexes the bundle itself", referrers: true},
		{name: "a registry without it gets the sha256-<hex> fallback tag index", referrers: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host := registrytest.Start(t, registrytest.WithReferrersSupport(tt.referrers)).Host
			ref := registrytest.PushRandomImage(t, host+"/actions/restart")
			signer, pub := newSigner(t)

			sig := mustSign(t, ref, signer, signing.Options{})

			if sig.Format != signing.FormatBundle {
				t.Errorf("Signature.Format = %q, want %q (the default)", sig.Format, signing.FormatBundle)
			}
			referrer := onlyReferrer(t, ref)
			if sig.Ref != referrer.String() {
				t.Errorf("Signature.Ref = %q, want the referrer manifest %q", sig.Ref, referrer)
			}
			_, hasFallbackTag := fallbackIndex(t, ref)
			if hasFallbackTag == tt.referrers {
				t.Errorf("fallback tag present = %v, want %v", hasFallbackTag, !tt.referrers)
			}
			bundleJSON := assertReferrerManifest(t, ref, referrer)
			assertKeySignedStatement(t, bundleJSON, ref, pub)
			if err := verifyBundleWithKey(bundleJSON, pub, ref.DigestStr()); err != nil {
				t.Fatalf("sigstore-go rejected the bundle: %v", err)
			}
		})
	}
}

func TestSignedBundleVerifiesOnlyForItsImageAndKey(t *testing.T) {
	host := registrytest.Start(t).Host
	ref := registrytest.PushRandomImage(t, host+"/actions/a")
	other := registrytest.PushRandomImage(t, host+"/actions/b")
	signer, pub := newSigner(t)
	_, otherPub := newSigner(t)
	mustSign(t, ref, signer, signing.Options{})
	bundleJSON := onlyLayerBlob(t, onlyReferrer(t, ref))

	if err := verifyBundleWithKey(bundleJSON, pub, other.DigestStr()); err == nil {
		t.Error("the bundle verified for another image's digest")
	}
	if err := verifyBundleWithKey(bundleJSON, otherPub, ref.DigestStr()); err == nil {
		t.Error("the bundle verified with another key")
	}
}

func TestSignRejectsInputsItCannotSign(t *testing.T) {
	host := registrytest.Start(t).Host
	ref := registrytest.PushRandomImage(t, host+"/actions/a")
	missing := ref.Context().Digest("sha256:" + strings.Repeat("0", 64))
	signer, _ := newSigner(t)
	tests := []struct {
		name    string
		ref     name.Digest
		signer  crypto.Signer
		opts    signing.Options
		wantErr error
		wantMsg string
	}{
		{name: "an image that is not in the registry", ref: missing, signer: signer, wantErr: signing.ErrImageNotFound},
		{name: "an unknown format", ref: ref, signer: signer, opts: signing.Options{Format: "notation"}, wantMsg: `unknown signature format "notation"`},
		{name: "a P-384 key", ref: ref, signer: newECKey(t, elliptic.P384()), wantErr: signing.ErrUnsupportedKey},
		{name: "no key", ref: ref, wantErr: signing.ErrInvalidKey},
		{name: "a reference without a parsed digest", ref: name.Digest{}, signer: signer, wantMsg: "want a sha256 digest"},
		{
			name: "keyless options with the legacy format", ref: ref, signer: signer,
			opts:    signing.Options{Format: signing.FormatLegacy, TransparencyLogs: []sign.Transparency{nil}},
			wantMsg: "apply to the bundle format only",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := signing.Sign(context.Background(), tt.ref, tt.signer, tt.opts)
			if err == nil {
				t.Fatal("Sign succeeded, want an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Sign error = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Sign error = %q, want it to contain %q", err, tt.wantMsg)
			}
		})
	}
}

func TestAttachBundleRejectsBundlesCosignWouldNotWrite(t *testing.T) {
	host := registrytest.Start(t).Host
	ref := registrytest.PushRandomImage(t, host+"/actions/a")
	signer, _ := newSigner(t)
	keypair, err := signing.NewKeypair(signer)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		content sign.Content
		raw     []byte
		wantMsg string
	}{
		{name: "bytes that are not a bundle", raw: []byte(`{"mediaType": 1}`), wantMsg: "invalid Sigstore bundle"},
		{name: "a message signature instead of a DSSE envelope", content: &sign.PlainData{Data: []byte("x")}, wantMsg: "no DSSE envelope"},
		{
			name:    "a DSSE payload that is not in-toto",
			content: &sign.DSSEData{Data: []byte("{}"), PayloadType: "text/plain"},
			wantMsg: `payloadType "text/plain"`,
		},
		{
			name:    "an in-toto statement without predicateType",
			content: &sign.DSSEData{Data: []byte(`{"_type":"x"}`), PayloadType: signing.InTotoPayloadType},
			wantMsg: "no predicateType",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := tt.raw
			if tt.content != nil {
				b, err := sign.Bundle(tt.content, keypair, sign.BundleOptions{})
				if err != nil {
					t.Fatalf("sign.Bundle: %v", err)
				}
				if raw, err = protojson.Marshal(b); err != nil {
					t.Fatal(err)
				}
			}
			_, err := signing.AttachBundle(context.Background(), ref, raw, signing.Options{})
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("AttachBundle error = %v, want it to contain %q", err, tt.wantMsg)
			}
		})
	}
}

// onlyReferrer lists the referrers of ref (through the API or the fallback tag, as ggcr's
// remote.Referrers does) and returns the single one expected.
func onlyReferrer(t *testing.T, ref name.Digest) name.Digest {
	t.Helper()
	index, err := remote.Referrers(ref)
	if err != nil {
		t.Fatalf("remote.Referrers: %v", err)
	}
	manifest, err := index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(manifest.Manifests) != 1 {
		t.Fatalf("image has %d referrers, want 1: %+v", len(manifest.Manifests), manifest.Manifests)
	}
	return ref.Context().Digest(manifest.Manifests[0].Digest.String())
}

// fallbackIndex returns the `sha256-<hex>` referrers tag index of ref and whether it exists; when it
// does, it must list the referrer with the bundle artifactType.
func fallbackIndex(t *testing.T, ref name.Digest) (*v1.IndexManifest, bool) {
	t.Helper()
	tag := ref.Context().Tag(strings.Replace(ref.DigestStr(), ":", "-", 1))
	index, err := remote.Index(tag)
	if err != nil {
		return nil, false
	}
	manifest, err := index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, desc := range manifest.Manifests {
		if desc.ArtifactType != signing.BundleMediaType {
			t.Errorf("fallback index entry artifactType = %q, want %q", desc.ArtifactType, signing.BundleMediaType)
		}
	}
	return manifest, true
}

// assertReferrerManifest compares the stored referrer manifest field by field with the one cosign
// v3.1.3 writes and returns the bundle it carries.
func assertReferrerManifest(t *testing.T, ref, referrer name.Digest) []byte {
	t.Helper()
	got := fetchManifest(t, referrer)
	subject, err := remote.Head(ref)
	if err != nil {
		t.Fatal(err)
	}
	bundleJSON := onlyLayerBlob(t, referrer)
	created, err := time.Parse(time.RFC3339, got.Annotations[signing.AnnotationCreated])
	if err != nil || time.Since(created) > time.Hour {
		t.Errorf("annotation %s = %q, want the RFC 3339 time of signing", signing.AnnotationCreated, got.Annotations[signing.AnnotationCreated])
	}
	want := &v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  signing.BundleMediaType,
		Config:        descriptor(signing.EmptyConfigMediaType, []byte("{}")),
		Layers:        []v1.Descriptor{descriptor(signing.BundleMediaType, bundleJSON)},
		Subject:       &v1.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
		Annotations: map[string]string{
			signing.AnnotationCreated:             got.Annotations[signing.AnnotationCreated],
			signing.AnnotationBundleContent:       "dsse-envelope",
			signing.AnnotationBundlePredicateType: "https://sigstore.dev/cosign/sign/v1",
		},
	}
	want.Config.ArtifactType = signing.BundleMediaType
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("referrer manifest mismatch (-want +got):\n%s", diff)
	}
	return bundleJSON
}

// assertKeySignedStatement checks the bundle's DSSE statement and public-key hint.
func assertKeySignedStatement(t *testing.T, bundleJSON []byte, ref name.Digest, pub crypto.PublicKey) {
	t.Helper()
	var b bundle.Bundle
	if err := b.UnmarshalJSON(bundleJSON); err != nil {
		t.Fatalf("bundle does not parse: %v", err)
	}
	if got, want := b.GetVerificationMaterial().GetPublicKey().GetHint(), signing.KeyID(pub); got != want {
		t.Errorf("bundle public-key hint = %q, want KeyID %q", got, want)
	}
	envelope := b.GetDsseEnvelope()
	if envelope.GetPayloadType() != "application/vnd.in-toto+json" {
		t.Errorf("DSSE payloadType = %q", envelope.GetPayloadType())
	}
	var statement map[string]any
	if err := json.Unmarshal(envelope.GetPayload(), &statement); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"_type":         "https://in-toto.io/Statement/v1",
		"predicateType": "https://sigstore.dev/cosign/sign/v1",
		"predicate":     map[string]any{},
		"subject": []any{map[string]any{
			"digest":      map[string]any{"sha256": strings.TrimPrefix(ref.DigestStr(), "sha256:")},
			"annotations": map[string]any{},
		}},
	}
	if diff := cmp.Diff(want, statement); diff != "" {
		t.Errorf("statement mismatch (-want +got):\n%s", diff)
	}
}

// verifyBundleWithKey is what `cosign verify --key --insecure-ignore-tlog` does for a bundle, written
// with sigstore-go: signature by the key, statement subject equal to the image digest.
func verifyBundleWithKey(bundleJSON []byte, pub crypto.PublicKey, digest string) error {
	var b bundle.Bundle
	if err := b.UnmarshalJSON(bundleJSON); err != nil {
		return err
	}
	verifier, err := signature.LoadVerifier(pub, crypto.SHA256)
	if err != nil {
		return err
	}
	key := root.NewExpiringKey(verifier, time.Time{}, time.Time{})
	material := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) { return key, nil })
	v, err := verify.NewVerifier(material, verify.WithNoObserverTimestamps())
	if err != nil {
		return err
	}
	sum, err := hex.DecodeString(strings.TrimPrefix(digest, "sha256:"))
	if err != nil {
		return err
	}
	_, err = v.Verify(&b, verify.NewPolicy(verify.WithArtifactDigest("sha256", sum), verify.WithKey()))
	return err
}

func fetchManifest(t *testing.T, ref name.Digest) *v1.Manifest {
	t.Helper()
	desc, err := remote.Get(ref)
	if err != nil {
		t.Fatalf("fetching manifest %s: %v", ref, err)
	}
	manifest, err := v1.ParseManifest(bytes.NewReader(desc.Manifest))
	if err != nil {
		t.Fatal(err)
	}
	return manifest
}

func descriptor(mediaType string, content []byte) v1.Descriptor {
	digest, size, _ := v1.SHA256(bytes.NewReader(content))
	return v1.Descriptor{MediaType: types.MediaType(mediaType), Digest: digest, Size: size}
}

// onlyLayerBlob returns the single layer of the manifest at ref; for a referrer, the bundle JSON.
func onlyLayerBlob(t *testing.T, ref name.Digest) []byte {
	t.Helper()
	blob, _ := registrytest.OnlyLayer(t, ref)
	return blob
}
