package verify_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"

	"github.com/kubernaut/kubernaut/internal/signing/signingtest"
	"github.com/kubernaut/kubernaut/internal/verify"
)

// keylessPolicy trusts identity against tm with the transparency log required, as
// `cosign verify --certificate-identity … --certificate-oidc-issuer … --trusted-root …` does.
// VirtualSigstore certificates carry no SCT, hence InsecureIgnoreSCT.
func keylessPolicy(t testing.TB, tm root.TrustedMaterial, ids ...verify.Identity) *verify.Policy {
	t.Helper()
	return mustCompile(t, verify.PolicyOptions{Identities: ids, TrustedMaterial: tm, TLog: verify.TLogRequired, InsecureIgnoreSCT: true})
}

var exactIdentity = verify.Identity{Issuer: testIssuer, Subject: testSubject}

func TestVerify_keylessSignatureOffline(t *testing.T) {
	vs := newVirtualSigstore(t)
	fromFile, err := verify.LoadTrustedRoot(signingtest.WriteTrustedRootFile(t, vs))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(signingtest.WriteTrustedRootFile(t, vs))
	if err != nil {
		t.Fatal(err)
	}
	fromConfigMap, err := verify.ParseTrustedRoot(raw)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		sign   func(testing.TB, *ca.VirtualSigstore, verify.Identity, string)
		tm     root.TrustedMaterial
		id     verify.Identity
		format string
		logIdx int64
	}{
		{name: "a bundle verifies with the exact identity", sign: bundleSigner, tm: vs, id: exactIdentity, format: verify.FormatBundle, logIdx: 0},
		{
			name: "a bundle verifies with issuer and subject regexps", sign: bundleSigner, tm: vs, format: verify.FormatBundle, logIdx: 0,
			id: verify.Identity{IssuerRegexp: `^https://token\.actions\.githubusercontent\.com$`, SubjectRegexp: `^https://github\.com/acme/`},
		},
		{name: "a bundle verifies against a trusted_root.json file", sign: bundleSigner, tm: fromFile, id: exactIdentity, format: verify.FormatBundle, logIdx: 0},
		{name: "a bundle verifies against trusted root JSON from a ConfigMap", sign: bundleSigner, tm: fromConfigMap, id: exactIdentity, format: verify.FormatBundle, logIdx: 0},
		{name: "a legacy signature with certificate, chain and SET verifies", sign: legacySigner, tm: fromFile, id: exactIdentity, format: verify.FormatLegacy, logIdx: legacyLogIdx},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := startRegistry(t, true)
			ref := reg.pushImage(t, "actions/restart")
			tt.sign(t, vs, exactIdentity, ref.String())

			got, err := newVerifier(t).Verify(context.Background(), ref.String(), keylessPolicy(t, tt.tm, tt.id))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			want := &verify.Result{
				Digest:     ref.DigestStr(),
				Repository: ref.Context().Name(),
				Format:     tt.format,
				Identity:   &verify.CertIdentity{Issuer: testIssuer, Subject: testSubject},
				LogIndex:   ptr(tt.logIdx),
				VerifiedAt: testNow,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Result mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// bundleSigner and legacySigner sign the image named by ref for the identity id with vs.
func bundleSigner(t testing.TB, vs *ca.VirtualSigstore, id verify.Identity, ref string) {
	signKeyless(t, vs, mustDigest(t, ref), id.Subject, id.Issuer)
}

func legacySigner(t testing.TB, vs *ca.VirtualSigstore, id verify.Identity, ref string) {
	signLegacyKeyless(t, vs, mustDigest(t, ref), id.Subject, id.Issuer)
}

func mustDigest(t testing.TB, ref string) name.Digest {
	t.Helper()
	d, err := name.NewDigest(ref)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// keylessRejectionCase signs an image with the signer Sigstore and verifies it with a policy
// that must refuse it with wantErr; other is a second, untrusted Sigstore.
type keylessRejectionCase struct {
	name    string
	sign    func(testing.TB, *ca.VirtualSigstore, verify.Identity, string)
	policy  func(t *testing.T, signer, other *ca.VirtualSigstore) *verify.Policy
	wantErr error
	wantMsg []string
}

var keylessRejections = []keylessRejectionCase{
	{
		name: "another subject is an identity mismatch naming expected and actual identities",
		sign: bundleSigner,
		policy: func(t *testing.T, signer, other *ca.VirtualSigstore) *verify.Policy {
			return keylessPolicy(t, signer, verify.Identity{Issuer: testIssuer, Subject: "https://github.com/acme/other/.github/workflows/x.yaml@refs/heads/main"})
		},
		wantErr: verify.ErrIdentityMismatch,
		wantMsg: []string{"expected one of", "acme/other", "got {issuer", testSubject},
	},
	{
		name: "another issuer is an identity mismatch",
		sign: bundleSigner,
		policy: func(t *testing.T, signer, other *ca.VirtualSigstore) *verify.Policy {
			return keylessPolicy(t, signer, verify.Identity{Issuer: "https://accounts.google.com", Subject: testSubject})
		},
		wantErr: verify.ErrIdentityMismatch,
		wantMsg: []string{"https://accounts.google.com", testIssuer},
	},
	{
		name: "a regexp that does not match the subject is an identity mismatch",
		sign: bundleSigner,
		policy: func(t *testing.T, signer, other *ca.VirtualSigstore) *verify.Policy {
			return keylessPolicy(t, signer, verify.Identity{Issuer: testIssuer, SubjectRegexp: `^https://github\.com/evil/`})
		},
		wantErr: verify.ErrIdentityMismatch,
	},
	{
		name: "a certificate from another Sigstore does not chain to the trusted root",
		sign: bundleSigner,
		policy: func(t *testing.T, signer, other *ca.VirtualSigstore) *verify.Policy {
			return keylessPolicy(t, other, exactIdentity)
		},
		wantErr: verify.ErrUntrustedRoot,
		wantMsg: []string{"certificate does not chain to the trusted root"},
	},
	{
		name: "a legacy certificate from another Sigstore does not chain to the trusted root",
		sign: legacySigner,
		policy: func(t *testing.T, signer, other *ca.VirtualSigstore) *verify.Policy {
			return keylessPolicy(t, other, exactIdentity)
		},
		wantErr: verify.ErrUntrustedRoot,
	},
	{
		name: "a legacy signature by another identity is an identity mismatch",
		sign: legacySigner,
		policy: func(t *testing.T, signer, other *ca.VirtualSigstore) *verify.Policy {
			return keylessPolicy(t, signer, verify.Identity{Issuer: testIssuer, Subject: "someone@example.com"})
		},
		wantErr: verify.ErrIdentityMismatch,
	},
	{
		name: "a certificate without an SCT is refused unless SCTs are explicitly ignored",
		sign: bundleSigner,
		policy: func(t *testing.T, signer, other *ca.VirtualSigstore) *verify.Policy {
			return mustCompile(t, verify.PolicyOptions{Identities: []verify.Identity{exactIdentity}, TrustedMaterial: signer})
		},
		wantErr: verify.ErrInvalidSignature,
		wantMsg: []string{"signed certificate timestamp"},
	},
	{
		name: "a keyless policy does not accept a key signature",
		sign: func(t testing.TB, _ *ca.VirtualSigstore, _ verify.Identity, ref string) {
			signImage(t, mustDigest(t, ref), newKey(t), "bundle")
		},
		policy: func(t *testing.T, signer, other *ca.VirtualSigstore) *verify.Policy {
			return keylessPolicy(t, signer, exactIdentity)
		},
		wantErr: verify.ErrNoMatchingKey,
		wantMsg: []string{"signed with a public key, but the policy trusts only keyless identities"},
	},
}

func TestVerify_keylessRejections(t *testing.T) {
	signer, other := newVirtualSigstore(t), newVirtualSigstore(t)
	for _, tt := range keylessRejections {
		t.Run(tt.name, func(t *testing.T) {
			reg := startRegistry(t, true)
			ref := reg.pushImage(t, "actions/restart")
			tt.sign(t, signer, exactIdentity, ref.String())

			res, err := newVerifier(t).Verify(context.Background(), ref.String(), tt.policy(t, signer, other))
			assertRejected(t, res, err, tt.wantErr, tt.wantMsg...)
		})
	}
}

func TestVerify_keylessWithTheLogDisabledChecksTheCertificateNow(t *testing.T) {
	vs := newVirtualSigstore(t)
	reg := startRegistry(t, true)
	ref := reg.pushImage(t, "a")
	signKeyless(t, vs, ref, testSubject, testIssuer)
	p := mustCompile(t, verify.PolicyOptions{
		Identities: []verify.Identity{exactIdentity}, TrustedMaterial: vs, TLog: verify.TLogDisabled, InsecureIgnoreSCT: true,
	})

	got, err := newVerifier(t).Verify(context.Background(), ref.String(), p)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got.LogIndex != nil {
		t.Errorf("LogIndex = %d, want nil: the log was not consulted", *got.LogIndex)
	}
}

// refusingTransport stands for a network with nothing but the registry: it counts and refuses
// every request.
type refusingTransport struct{ attempts atomic.Int64 }

func (r *refusingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r.attempts.Add(1)
	return nil, fmt.Errorf("air gap: request to %s refused", req.URL.Host)
}

func TestVerify_keylessVerificationContactsNothingButTheRegistry(t *testing.T) {
	vs := newVirtualSigstore(t)
	tr, err := verify.LoadTrustedRoot(signingtest.WriteTrustedRootFile(t, vs))
	if err != nil {
		t.Fatal(err)
	}
	reg := startRegistry(t, true)
	ref := reg.pushImage(t, "a")
	signKeyless(t, vs, ref, testSubject, testIssuer)
	// The registry client uses go-containerregistry's own transport; anything else (a TUF
	// refresh, a Rekor or Fulcio lookup) would go through http.DefaultTransport.
	refusing := &refusingTransport{}
	saved := http.DefaultTransport
	http.DefaultTransport = refusing
	t.Cleanup(func() { http.DefaultTransport = saved })

	if _, err := newVerifier(t).Verify(context.Background(), ref.String(), keylessPolicy(t, tr, exactIdentity)); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if n := refusing.attempts.Load(); n != 0 {
		t.Errorf("verification attempted %d requests outside the registry", n)
	}
}
