package verify_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/rekor/pkg/types"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"

	"github.com/kubernaut/kubernaut/internal/signing"
	"github.com/kubernaut/kubernaut/internal/signing/signingtest"
)

// Keyless identities used by the tests: a GitHub Actions release workflow.
const (
	testIssuer   = "https://token.actions.githubusercontent.com"
	testSubject  = "https://github.com/acme/actions/.github/workflows/release.yaml@refs/heads/main"
	legacyLogIdx = 1000 // the index VirtualSigstore gives hashedrekord entries
)

func newVirtualSigstore(t testing.TB) *ca.VirtualSigstore {
	t.Helper()
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// virtualRekor is a sign.Transparency (a stand-in for Rekor v1) that records a key-signed DSSE
// bundle in a VirtualSigstore's log: a real dsse v0.0.1 entry with a signed entry timestamp and an
// inclusion proof, as bundles v0.3 require. (signingtest logs keyless bundles; its log needs the
// signer's certificate, which a key signature has not.)
type virtualRekor struct{ vs *ca.VirtualSigstore }

func (r virtualRekor) GetTransparencyLogEntry(ctx context.Context, verifierPEM []byte, b *protobundle.Bundle) error {
	env := b.GetDsseEnvelope()
	envJSON, err := json.Marshal(dsse.Envelope{
		PayloadType: env.GetPayloadType(),
		Payload:     base64.StdEncoding.EncodeToString(env.GetPayload()),
		Signatures:  []dsse.Signature{{Sig: base64.StdEncoding.EncodeToString(env.GetSignatures()[0].GetSig())}},
	})
	if err != nil {
		return err
	}
	body, err := rekorBody(ctx, "dsse", types.ArtifactProperties{
		ArtifactBytes:  envJSON,
		PublicKeyBytes: [][]byte{verifierPEM},
		PKIFormat:      "x509",
	})
	if err != nil {
		return err
	}
	tle, err := logEntry(r.vs, "dsse", body)
	if err != nil {
		return err
	}
	b.VerificationMaterial.TlogEntries = append(b.VerificationMaterial.TlogEntries, tle)
	return nil
}

// rekorBody builds the canonical body of a Rekor v1 entry of kind (version 0.0.1), the bytes
// Rekor would store.
func rekorBody(ctx context.Context, kind string, props types.ArtifactProperties) ([]byte, error) {
	pe, err := types.NewProposedEntry(ctx, kind, "0.0.1", props)
	if err != nil {
		return nil, err
	}
	impl, err := types.CreateVersionedEntry(pe)
	if err != nil {
		return nil, err
	}
	return types.CanonicalizeEntry(ctx, impl)
}

// logEntry signs body into the VirtualSigstore's log with an inclusion promise (SET) and proof.
func logEntry(vs *ca.VirtualSigstore, kind string, body []byte) (*protorekor.TransparencyLogEntry, error) {
	const index = 0 // VirtualSigstore proves inclusion in a one-entry tree
	logIDHex, err := vs.RekorLogID()
	if err != nil {
		return nil, err
	}
	logID, err := hex.DecodeString(logIDHex)
	if err != nil {
		return nil, err
	}
	integrated := time.Now().Add(time.Minute).Unix()
	set, err := vs.RekorSignPayload(tlog.RekorPayload{
		Body: base64.StdEncoding.EncodeToString(body), IntegratedTime: integrated, LogIndex: index, LogID: logIDHex,
	})
	if err != nil {
		return nil, err
	}
	tle := &protorekor.TransparencyLogEntry{
		LogIndex:          index,
		LogId:             &protocommon.LogId{KeyId: logID},
		KindVersion:       &protorekor.KindVersion{Kind: kind, Version: "0.0.1"},
		IntegratedTime:    integrated,
		InclusionPromise:  &protorekor.InclusionPromise{SignedEntryTimestamp: set},
		CanonicalizedBody: body,
	}
	proof, err := vs.GetInclusionProof(body)
	if err != nil {
		return nil, err
	}
	rootHash, err := hex.DecodeString(*proof.RootHash)
	if err != nil {
		return nil, err
	}
	tle.InclusionProof = &protorekor.InclusionProof{
		LogIndex: *proof.LogIndex, RootHash: rootHash, TreeSize: *proof.TreeSize,
		Checkpoint: &protorekor.Checkpoint{Envelope: *proof.Checkpoint},
	}
	return tle, nil
}

// withRekor makes signing.Sign record the bundle in vs's transparency log.
func withRekor(vs *ca.VirtualSigstore) func(*signing.Options) {
	return func(o *signing.Options) { o.TransparencyLogs = append(o.TransparencyLogs, virtualRekor{vs}) }
}

// signKeyless signs ref as cosign v3 does in CI: a Fulcio certificate for subject/issuer and a
// DSSE bundle recorded in Rekor, attached as a referrer.
func signKeyless(t testing.TB, vs *ca.VirtualSigstore, ref name.Digest, subject, issuer string) {
	t.Helper()
	k := signingtest.Keyless{CA: vs, Identity: subject, Issuer: issuer}
	if _, err := k.SignBundle(context.Background(), ref, signing.Options{}); err != nil {
		t.Fatalf("signing %s keylessly: %v", ref, err)
	}
}

// signLegacyKeyless writes what cosign v2 writes for a keyless signature: the simple-signing
// payload under the .sig tag with certificate, chain and Rekor bundle (the SET of a hashedrekord
// entry at index legacyLogIdx) annotations.
func signLegacyKeyless(t testing.TB, vs *ca.VirtualSigstore, ref name.Digest, subject, issuer string) {
	t.Helper()
	k := signingtest.Keyless{CA: vs, Identity: subject, Issuer: issuer}
	if _, err := k.SignLegacy(context.Background(), ref, signing.Options{}); err != nil {
		t.Fatalf("signing %s keylessly in the legacy format: %v", ref, err)
	}
}
