package signingtest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
	"github.com/kubernaut/kubernaut/internal/signing"
	"github.com/kubernaut/kubernaut/internal/signing/signingtest"
)

const (
	identity = "release@acme.example"
	issuer   = "https://token.actions.githubusercontent.com"
)

func TestKeylessBundleVerifiesOfflineForItsIdentityOnly(t *testing.T) {
	vs := newVirtualSigstore(t)
	ref := registrytest.PushRandomImage(t, registrytest.Start(t).Host+"/actions/keyless")
	signer := signingtest.Keyless{CA: vs, Identity: identity, Issuer: issuer}

	sig, err := signer.SignBundle(context.Background(), ref, signing.Options{})
	if err != nil {
		t.Fatalf("SignBundle: %v", err)
	}
	b := fetchBundle(t, sig.Ref)
	if b.GetVerificationMaterial().GetCertificate() == nil || len(b.GetVerificationMaterial().GetTlogEntries()) != 1 {
		t.Fatalf("keyless bundle must carry a certificate and one log entry: %v", b.GetVerificationMaterial())
	}

	tests := []struct {
		name     string
		trusted  root.TrustedMaterial
		identity string
		issuer   string
		wantOK   bool
	}{
		{name: "the signing identity and issuer verify", trusted: vs, identity: identity, issuer: issuer, wantOK: true},
		{name: "another identity is rejected", trusted: vs, identity: "intruder@acme.example", issuer: issuer},
		{name: "another issuer is rejected", trusted: vs, identity: identity, issuer: "https://accounts.example"},
		{name: "another root of trust is rejected", trusted: newVirtualSigstore(t), identity: identity, issuer: issuer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verifyKeyless(b, tt.trusted, ref, tt.identity, tt.issuer)
			if (err == nil) != tt.wantOK {
				t.Fatalf("verify error = %v, want success %v", err, tt.wantOK)
			}
		})
	}
}

func TestKeylessLegacySignatureCarriesWhatCosignVerifies(t *testing.T) {
	vs := newVirtualSigstore(t)
	ref := registrytest.PushRandomImage(t, registrytest.Start(t).Host+"/actions/keyless")
	signer := signingtest.Keyless{CA: vs, Identity: identity, Issuer: issuer}

	if _, err := signer.SignLegacy(context.Background(), ref, signing.Options{}); err != nil {
		t.Fatalf("SignLegacy: %v", err)
	}
	payload, annotations := registrytest.OnlyLayer(t, signing.LegacySignatureTag(ref))
	sig, err := base64.StdEncoding.DecodeString(annotations[signing.AnnotationSignature])
	if err != nil {
		t.Fatal(err)
	}
	leaf := verifyChain(t, vs, annotations)
	if err := leaf.CheckSignature(x509.ECDSAWithSHA256, payload, sig); err != nil {
		t.Errorf("signature annotation does not verify with the certificate: %v", err)
	}
	entry := verifyRekorBundle(t, vs, annotations[signing.AnnotationRekorBundle])
	if !bytes.Equal(entry.Signature(), sig) {
		t.Error("the log entry records a different signature")
	}
	sum := sha256.Sum256(payload)
	if digest, _, ok := entry.GetHashedRekordDigest(); !ok || !bytes.Equal(digest, sum[:]) {
		t.Error("the log entry records a different payload digest")
	}
	if at := entry.IntegratedTime(); at.Before(leaf.NotBefore) || at.After(leaf.NotAfter) {
		t.Errorf("integrated time %v is outside the certificate validity %v..%v", at, leaf.NotBefore, leaf.NotAfter)
	}
}

// verifyKeyless verifies the way `cosign verify --certificate-identity --certificate-oidc-issuer`
// does offline: certificate chain, log entry with integrated time, identity, image digest.
func verifyKeyless(b *bundle.Bundle, trusted root.TrustedMaterial, ref name.Digest, san, oidcIssuer string) error {
	v, err := verify.NewVerifier(trusted, verify.WithTransparencyLog(1), verify.WithIntegratedTimestamps(1))
	if err != nil {
		return err
	}
	id, err := verify.NewShortCertificateIdentity(oidcIssuer, "", san, "")
	if err != nil {
		return err
	}
	sum, err := hex.DecodeString(strings.TrimPrefix(ref.DigestStr(), "sha256:"))
	if err != nil {
		return err
	}
	_, err = v.Verify(b, verify.NewPolicy(verify.WithArtifactDigest("sha256", sum), verify.WithCertificateIdentity(id)))
	return err
}

// verifyChain checks the certificate and chain annotations against the CA and returns the leaf.
func verifyChain(t *testing.T, vs *ca.VirtualSigstore, annotations map[string]string) *x509.Certificate {
	t.Helper()
	leaves, err := cryptoutils.UnmarshalCertificatesFromPEM([]byte(annotations[signing.AnnotationCertificate]))
	if err != nil || len(leaves) != 1 {
		t.Fatalf("certificate annotation: %d certificates, %v", len(leaves), err)
	}
	chain, err := cryptoutils.UnmarshalCertificatesFromPEM([]byte(annotations[signing.AnnotationChain]))
	if err != nil || len(chain) != 2 {
		t.Fatalf("chain annotation: %d certificates, want intermediate and root: %v", len(chain), err)
	}
	roots, intermediates := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(chain[1])
	intermediates.AddCert(chain[0])
	fulcio := vs.FulcioCertificateAuthorities()[0].(*root.FulcioCertificateAuthority)
	if !chain[1].Equal(fulcio.Root) {
		t.Error("chain annotation does not end in the CA's root")
	}
	_, err = leaves[0].Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: intermediates,
		CurrentTime: leaves[0].NotBefore.Add(time.Minute),
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	})
	if err != nil {
		t.Fatalf("certificate does not chain to the CA: %v", err)
	}
	return leaves[0]
}

// verifyRekorBundle decodes cosign's Rekor bundle annotation and checks its SET with the log key.
func verifyRekorBundle(t *testing.T, vs *ca.VirtualSigstore, annotation string) *tlog.Entry {
	t.Helper()
	var rb struct {
		SignedEntryTimestamp []byte
		Payload              struct {
			Body           string `json:"body"`
			IntegratedTime int64  `json:"integratedTime"`
			LogIndex       int64  `json:"logIndex"`
			LogID          string `json:"logID"`
		}
	}
	if err := json.Unmarshal([]byte(annotation), &rb); err != nil {
		t.Fatalf("Rekor bundle annotation: %v", err)
	}
	body, err := base64.StdEncoding.DecodeString(rb.Payload.Body)
	if err != nil {
		t.Fatal(err)
	}
	logID, err := hex.DecodeString(rb.Payload.LogID)
	if err != nil {
		t.Fatal(err)
	}
	// NewEntry is deprecated for Rekor v2 entries; cosign's legacy annotation is the Rekor v1 form.
	entry, err := tlog.NewEntry(body, rb.Payload.IntegratedTime, rb.Payload.LogIndex, logID, //nolint:staticcheck
		rb.SignedEntryTimestamp, nil)
	if err != nil {
		t.Fatalf("Rekor entry: %v", err)
	}
	if err := tlog.VerifySET(entry, vs.RekorLogs()); err != nil {
		t.Fatalf("SET does not verify with the log key: %v", err)
	}
	return entry
}

func fetchBundle(t *testing.T, referrer string) *bundle.Bundle {
	t.Helper()
	ref, err := name.NewDigest(referrer)
	if err != nil {
		t.Fatal(err)
	}
	bundleJSON, _ := registrytest.OnlyLayer(t, ref)
	var b bundle.Bundle
	if err := b.UnmarshalJSON(bundleJSON); err != nil {
		t.Fatalf("bundle: %v", err)
	}
	return &b
}

func newVirtualSigstore(t *testing.T) *ca.VirtualSigstore {
	t.Helper()
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatalf("NewVirtualSigstore: %v", err)
	}
	return vs
}
