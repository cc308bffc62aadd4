// Package signingtest signs images keylessly, offline, with sigstore-go's VirtualSigstore (a
// throwaway Fulcio CA, Rekor log and TSA in memory), so verifier tests get the same artifacts a
// GitHub Actions `cosign sign` produces: a certificate bound to an OIDC identity and a transparency
// log entry, in both the bundle and the legacy `.sig` format. Only tests import this package.
package signingtest

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"google.golang.org/protobuf/proto"

	"github.com/kubernaut/kubernaut/internal/signing"
)

// logTimeOffset places the log's integrated time shortly after certificate issuance. VirtualSigstore
// leaf certificates are valid from issuance for ten minutes; a time inside that window, away from
// its edges, keeps second-truncation from making the certificate look not yet valid.
const logTimeOffset = time.Minute

// Keyless signs as the holder of a short-lived certificate for Identity (an e-mail SAN, as
// VirtualSigstore issues) from the OIDC Issuer, logged in CA's transparency log.
type Keyless struct {
	CA       *ca.VirtualSigstore
	Identity string
	Issuer   string
}

// SignBundle signs ref in the bundle format through signing.Sign, with a fresh certificate and a
// log entry with inclusion proof and promise, and attaches the bundle as a referrer.
func (k Keyless) SignBundle(ctx context.Context, ref name.Digest, opts signing.Options) (*signing.Signature, error) {
	signer, opts, err := k.Options(opts)
	if err != nil {
		return nil, err
	}
	opts.Format = signing.FormatBundle
	return signing.Sign(ctx, ref, signer, opts)
}

// Options issues a leaf certificate and returns its key with opts extended by the matching
// certificate provider and transparency log, ready for signing.Sign in the bundle format.
func (k Keyless) Options(opts signing.Options) (crypto.Signer, signing.Options, error) {
	leaf, key, err := k.issue()
	if err != nil {
		return nil, opts, err
	}
	opts.CertificateProvider = certificateProvider{leaf: leaf}
	opts.TransparencyLogs = []sign.Transparency{transparencyLog{ca: k.CA, leaf: leaf}}
	return key, opts, nil
}

// issue creates a leaf certificate and key for k's identity.
func (k Keyless) issue() (*x509.Certificate, crypto.Signer, error) {
	if k.CA == nil {
		return nil, nil, errors.New("signingtest.Keyless: CA is nil")
	}
	leaf, priv, err := k.CA.GenerateLeafCert(k.Identity, k.Issuer)
	if err != nil {
		return nil, nil, fmt.Errorf("issuing leaf certificate: %w", err)
	}
	key, ok := priv.(crypto.Signer)
	if !ok {
		return nil, nil, fmt.Errorf("leaf key %T is not a crypto.Signer", priv)
	}
	return leaf, key, nil
}

// certificateProvider hands sign.Bundle the leaf certificate issued beforehand, as Fulcio would.
type certificateProvider struct{ leaf *x509.Certificate }

// GetCertificate implements sign.CertificateProvider.
func (p certificateProvider) GetCertificate(context.Context, sign.Keypair, *sign.CertificateProviderOptions) ([]byte, error) {
	return p.leaf.Raw, nil
}

// transparencyLog records DSSE bundles in the VirtualSigstore's Rekor and adds the entry, with
// inclusion proof and signed entry timestamp, to the bundle, as sign.Rekor does online.
type transparencyLog struct {
	ca   *ca.VirtualSigstore
	leaf *x509.Certificate
}

// GetTransparencyLogEntry implements sign.Transparency.
func (l transparencyLog) GetTransparencyLogEntry(_ context.Context, _ []byte, b *protobundle.Bundle) error {
	envelope := b.GetDsseEnvelope()
	if envelope == nil || len(envelope.GetSignatures()) != 1 {
		return errors.New("signingtest: only single-signature DSSE bundles can be logged")
	}
	sig := envelope.GetSignatures()[0].GetSig()
	entry, err := l.ca.GenerateTlogEntry(l.leaf, toDSSE(envelope), sig, time.Now().Add(logTimeOffset).Unix(), true)
	if err != nil {
		return fmt.Errorf("creating log entry: %w", err)
	}
	tle, err := withPromise(l.ca, entry.TransparencyLogEntry(), "dsse", "0.0.1")
	if err != nil {
		return err
	}
	b.VerificationMaterial.TlogEntries = append(b.VerificationMaterial.TlogEntries, tle)
	return nil
}

// LegacySignature is a keyless cosign v2 signature ready for signing.AttachLegacy.
type LegacySignature struct {
	Payload      []byte
	SignatureB64 []byte
	// Annotations are the certificate, chain and Rekor bundle annotations cosign writes.
	Annotations map[string]string
}

// SignLegacy signs ref keylessly in the legacy format and appends it to the `.sig` image.
func (k Keyless) SignLegacy(ctx context.Context, ref name.Digest, opts signing.Options) (*signing.Signature, error) {
	sig, err := k.Legacy(ref)
	if err != nil {
		return nil, err
	}
	return signing.AttachLegacy(ctx, ref, sig.Payload, sig.SignatureB64, sig.Annotations, opts)
}

// Legacy signs the simple-signing payload of ref and returns it with the annotations cosign v2
// writes for a keyless signature: the PEM certificate, the PEM chain (intermediate and root) and the
// Rekor bundle (hashedrekord entry plus signed entry timestamp).
func (k Keyless) Legacy(ref name.Digest) (*LegacySignature, error) {
	if k.CA == nil {
		return nil, errors.New("signingtest.Keyless: CA is nil")
	}
	payload, err := signing.LegacyPayload(ref, nil)
	if err != nil {
		return nil, err
	}
	entity, err := k.CA.SignAtTime(k.Identity, k.Issuer, payload, time.Now().Add(logTimeOffset))
	if err != nil {
		return nil, fmt.Errorf("signing payload: %w", err)
	}
	annotations, err := k.legacyAnnotations(entity)
	if err != nil {
		return nil, err
	}
	content, err := entity.SignatureContent()
	if err != nil {
		return nil, err
	}
	return &LegacySignature{
		Payload:      payload,
		SignatureB64: []byte(base64.StdEncoding.EncodeToString(content.Signature())),
		Annotations:  annotations,
	}, nil
}

// legacyAnnotations encodes the entity's certificate, chain and log entry as cosign annotations.
func (k Keyless) legacyAnnotations(entity *ca.TestEntity) (map[string]string, error) {
	verification, err := entity.VerificationContent()
	if err != nil {
		return nil, err
	}
	leafPEM, err := cryptoutils.MarshalCertificateToPEM(verification.Certificate())
	if err != nil {
		return nil, err
	}
	chainPEM, err := k.chainPEM()
	if err != nil {
		return nil, err
	}
	entries, err := entity.TlogEntries()
	if err != nil || len(entries) != 1 {
		return nil, fmt.Errorf("want one log entry, got %d (%v)", len(entries), err)
	}
	rekorBundle, err := k.rekorBundle(entries[0].TransparencyLogEntry())
	if err != nil {
		return nil, err
	}
	return map[string]string{
		signing.AnnotationCertificate: string(leafPEM),
		signing.AnnotationChain:       string(chainPEM),
		signing.AnnotationRekorBundle: string(rekorBundle),
	}, nil
}

// chainPEM returns the CA's intermediates and root, leaf-most first, as cosign's chain annotation.
func (k Keyless) chainPEM() ([]byte, error) {
	authorities := k.CA.FulcioCertificateAuthorities()
	fulcio, ok := authorities[0].(*root.FulcioCertificateAuthority)
	if !ok {
		return nil, fmt.Errorf("unexpected certificate authority type %T", authorities[0])
	}
	chain := append(append([]*x509.Certificate{}, fulcio.Intermediates...), fulcio.Root)
	return cryptoutils.MarshalCertificatesToPEM(chain)
}

// rekorBundle encodes a hashedrekord log entry as cosign's `dev.sigstore.cosign/bundle` annotation:
// {"SignedEntryTimestamp": base64, "Payload": {"body", "integratedTime", "logIndex", "logID"}}.
func (k Keyless) rekorBundle(tle *protorekor.TransparencyLogEntry) ([]byte, error) {
	promised, err := withPromise(k.CA, tle, "hashedrekord", "0.0.1")
	if err != nil {
		return nil, err
	}
	return json.Marshal(struct {
		SignedEntryTimestamp []byte
		Payload              tlog.RekorPayload
	}{
		SignedEntryTimestamp: promised.GetInclusionPromise().GetSignedEntryTimestamp(),
		Payload:              rekorPayload(promised),
	})
}

// withPromise completes a log entry the way Rekor returns it: VirtualSigstore's entries lack the
// kind/version and the signed entry timestamp (the SET is kept private in tlog.Entry), so the SET is
// signed again over the same payload with the log's key.
func withPromise(log *ca.VirtualSigstore, tle *protorekor.TransparencyLogEntry, kind, version string,
) (*protorekor.TransparencyLogEntry, error) {
	out, ok := proto.Clone(tle).(*protorekor.TransparencyLogEntry)
	if !ok {
		return nil, errors.New("cloning log entry")
	}
	out.KindVersion = &protorekor.KindVersion{Kind: kind, Version: version}
	set, err := log.RekorSignPayload(rekorPayload(out))
	if err != nil {
		return nil, fmt.Errorf("signing entry timestamp: %w", err)
	}
	out.InclusionPromise = &protorekor.InclusionPromise{SignedEntryTimestamp: set}
	return out, nil
}

// rekorPayload is the object a SET signs, in Rekor's JSON form.
func rekorPayload(tle *protorekor.TransparencyLogEntry) tlog.RekorPayload {
	return tlog.RekorPayload{
		Body:           base64.StdEncoding.EncodeToString(tle.GetCanonicalizedBody()),
		IntegratedTime: tle.GetIntegratedTime(),
		LogIndex:       tle.GetLogIndex(),
		LogID:          hex.EncodeToString(tle.GetLogId().GetKeyId()),
	}
}

// toDSSE converts a bundle's DSSE envelope to securesystemslib's form, which Rekor entries hash.
func toDSSE(envelope *protodsse.Envelope) *dsse.Envelope {
	out := &dsse.Envelope{
		PayloadType: envelope.GetPayloadType(),
		Payload:     base64.StdEncoding.EncodeToString(envelope.GetPayload()),
	}
	for _, s := range envelope.GetSignatures() {
		out.Signatures = append(out.Signatures, dsse.Signature{KeyID: s.GetKeyid(), Sig: base64.StdEncoding.EncodeToString(s.GetSig())})
	}
	return out
}
