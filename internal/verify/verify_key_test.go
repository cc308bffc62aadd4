package verify_test

import (
	"context"
	"crypto"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
	"github.com/kubernaut/kubernaut/internal/signing"
	"github.com/kubernaut/kubernaut/internal/verify"
)

func TestVerify_keySignedImageInEitherFormat(t *testing.T) {
	tests := []struct {
		name         string
		referrersAPI bool
		format       signing.Format
	}{
		{name: "a bundle found through the registry's Referrers API verifies", referrersAPI: true, format: signing.FormatBundle},
		{name: "a bundle found through the referrers fallback tag verifies", referrersAPI: false, format: signing.FormatBundle},
		{name: "a legacy .sig signature verifies", referrersAPI: true, format: signing.FormatLegacy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := startRegistry(t, tt.referrersAPI)
			ref := reg.pushImage(t, "actions/scale")
			key := newKey(t)
			signImage(t, ref, key, tt.format)

			got, err := newVerifier(t).Verify(context.Background(), ref.String(), keyPolicy(t, key))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			want := &verify.Result{
				Digest:     ref.DigestStr(),
				Repository: ref.Context().Name(),
				Format:     string(tt.format),
				KeyID:      signing.KeyID(key.Public()),
				VerifiedAt: testNow,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Result mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerify_rotationAcceptsAnyTrustedKey(t *testing.T) {
	reg := startRegistry(t, true)
	ref := reg.pushImage(t, "actions/scale")
	oldKey, newKeyInUse := newKey(t), newKey(t)
	signImage(t, ref, newKeyInUse, signing.FormatBundle)

	got, err := newVerifier(t).Verify(context.Background(), ref.String(), keyPolicy(t, oldKey, newKeyInUse))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if want := signing.KeyID(newKeyInUse.Public()); got.KeyID != want {
		t.Errorf("KeyID = %q, want the second key %q", got.KeyID, want)
	}
}

// rejectionCase is an image prepared to fail verification and the error it must fail with.
type rejectionCase struct {
	name    string
	prepare func(t *testing.T, reg *testRegistry) (ref string, p *verify.Policy)
	wantErr error
	wantMsg []string
}

var keyRejections = []rejectionCase{
	{
		name: "an unsigned image has no signature",
		prepare: func(t *testing.T, reg *testRegistry) (string, *verify.Policy) {
			return reg.pushImage(t, "a").String(), keyPolicy(t, newKey(t))
		},
		wantErr: verify.ErrNoSignature,
		wantMsg: []string{"no Sigstore bundle among the referrers and no legacy .sig tag"},
	},
	{
		name: "a signature by an untrusted key names the trusted key ids",
		prepare: func(t *testing.T, reg *testRegistry) (string, *verify.Policy) {
			ref, trusted := reg.pushImage(t, "a"), newKey(t)
			signImage(t, ref, newKey(t), signing.FormatBundle)
			return ref.String(), keyPolicy(t, trusted)
		},
		wantErr: verify.ErrNoMatchingKey,
		wantMsg: []string{"does not verify with any of the 1 trusted keys"},
	},
	{
		name: "a legacy signature copied from another image is for a different image",
		prepare: func(t *testing.T, reg *testRegistry) (string, *verify.Policy) {
			signed, target, key := reg.pushImage(t, "a"), reg.pushImage(t, "b"), newKey(t)
			signImage(t, signed, key, signing.FormatLegacy)
			payload, annotations := registrytest.OnlyLayer(t, signing.LegacySignatureTag(signed))
			sig := []byte(annotations[signing.AnnotationSignature])
			if _, err := signing.AttachLegacy(context.Background(), target, payload, sig, nil, signing.Options{}); err != nil {
				t.Fatal(err)
			}
			return target.String(), keyPolicy(t, key)
		},
		wantErr: verify.ErrDigestMismatch,
		wantMsg: []string{"signature is for a different image", "copied from another image"},
	},
	{
		name: "a bundle copied from another image is for a different image",
		prepare: func(t *testing.T, reg *testRegistry) (string, *verify.Policy) {
			signed, target, key := reg.pushImage(t, "a"), reg.pushImage(t, "a"), newKey(t)
			signImage(t, signed, key, signing.FormatBundle)
			if _, err := signing.AttachBundle(context.Background(), target, referrerBundleJSON(t, signed), signing.Options{}); err != nil {
				t.Fatal(err)
			}
			return target.String(), keyPolicy(t, key)
		},
		wantErr: verify.ErrDigestMismatch,
		wantMsg: []string{"signature is for a different image"},
	},
	{
		name: "an attestation is not an image signature",
		prepare: func(t *testing.T, reg *testRegistry) (string, *verify.Policy) {
			ref, key := reg.pushImage(t, "a"), newKey(t)
			attachStatementBundle(t, ref, key, statementFor(ref, "https://slsa.dev/provenance/v1"))
			return ref.String(), keyPolicy(t, key)
		},
		wantErr: verify.ErrNoSignature,
		wantMsg: []string{"https://slsa.dev/provenance/v1"},
	},
	{
		name: "a tag-only reference is refused when the policy requires a digest",
		prepare: func(t *testing.T, reg *testRegistry) (string, *verify.Policy) {
			ref := reg.pushImage(t, "a")
			p := mustCompile(t, verify.PolicyOptions{Keys: []crypto.PublicKey{newKey(t).Public()}, TLog: verify.TLogDisabled, RequireDigest: true})
			return ref.Context().Tag("latest").String(), p
		},
		wantErr: verify.ErrTagReference,
		wantMsg: []string{"requires an image digest"},
	},
}

func TestVerify_rejectsWithAPreciseError(t *testing.T) {
	for _, tt := range keyRejections {
		t.Run(tt.name, func(t *testing.T) {
			reg := startRegistry(t, true)
			ref, p := tt.prepare(t, reg)

			res, err := newVerifier(t).Verify(context.Background(), ref, p)
			assertRejected(t, res, err, tt.wantErr, tt.wantMsg...)
		})
	}
}

// assertRejected checks that verification failed with the sentinel wantErr and a message holding
// each of wantMsg.
func assertRejected(t *testing.T, res *verify.Result, err, wantErr error, wantMsg ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("Verify succeeded (%+v), want %v", res, wantErr)
	}
	t.Logf("rejected as expected: %v", err)
	if !errors.Is(err, wantErr) {
		t.Fatalf("Verify error = %v, want errors.Is %v", err, wantErr)
	}
	if errors.Is(err, verify.ErrRegistry) {
		t.Errorf("a verification verdict must not be marked transient: %v", err)
	}
	for _, m := range wantMsg {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not mention %q", err, m)
		}
	}
}

func TestVerify_aBadBundleFallsBackToAGoodLegacySignature(t *testing.T) {
	reg := startRegistry(t, true)
	ref, trusted := reg.pushImage(t, "a"), newKey(t)
	signImage(t, ref, newKey(t), signing.FormatBundle)
	signImage(t, ref, trusted, signing.FormatLegacy)

	got, err := newVerifier(t).Verify(context.Background(), ref.String(), keyPolicy(t, trusted))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got.Format != verify.FormatLegacy {
		t.Errorf("Format = %q, want %q: the legacy signature is the one by the trusted key", got.Format, verify.FormatLegacy)
	}
}

func TestVerify_tagIsResolvedOnlyWhenDigestsAreNotRequired(t *testing.T) {
	reg := startRegistry(t, true)
	ref, key := reg.pushImage(t, "a"), newKey(t)
	signImage(t, ref, key, signing.FormatBundle)
	tag := ref.Context().Tag("latest").String()

	got, err := newVerifier(t).Verify(context.Background(), tag, keyPolicy(t, key))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got.Digest != ref.DigestStr() || got.ResolvedFrom != tag {
		t.Errorf("Digest, ResolvedFrom = %q, %q; want %q, %q", got.Digest, got.ResolvedFrom, ref.DigestStr(), tag)
	}

	strict := mustCompile(t, verify.PolicyOptions{Keys: []crypto.PublicKey{key.Public()}, TLog: verify.TLogDisabled, RequireDigest: true})
	var err2 error
	if n := reg.countRequests(func() { _, err2 = newVerifier(t).Verify(context.Background(), tag, strict) }); n != 0 {
		t.Errorf("strict mode made %d registry requests for a tag; it must not resolve it", n)
	}
	if !errors.Is(err2, verify.ErrTagReference) {
		t.Errorf("strict Verify(tag) error = %v, want ErrTagReference", err2)
	}
}

func TestVerify_keylessSignatureUnderAKeyPolicyIsNoMatchingKey(t *testing.T) {
	reg := startRegistry(t, true)
	ref, vs := reg.pushImage(t, "a"), newVirtualSigstore(t)
	signKeyless(t, vs, ref, testSubject, testIssuer)

	res, err := newVerifier(t).Verify(context.Background(), ref.String(), keyPolicy(t, newKey(t)))
	assertRejected(t, res, err, verify.ErrNoMatchingKey, "keyless signature by", testSubject)
}

func TestVerify_transparencyLogPolicyForKeys(t *testing.T) {
	vs := newVirtualSigstore(t)
	tests := []struct {
		name      string
		tlog      verify.TLogPolicy
		logged    bool
		wantErr   error
		wantIndex *int64
	}{
		{name: "required and logged verifies and reports the log index", tlog: verify.TLogRequired, logged: true, wantIndex: ptr(int64(0))},
		{name: "required but not logged is refused", tlog: verify.TLogRequired, logged: false, wantErr: verify.ErrTransparencyLog},
		{name: "optional and not logged verifies without a log index", tlog: verify.TLogOptional, logged: false},
		{name: "optional and logged verifies the entry", tlog: verify.TLogOptional, logged: true, wantIndex: ptr(int64(0))},
		{name: "disabled ignores the entry", tlog: verify.TLogDisabled, logged: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := startRegistry(t, true)
			ref, key := reg.pushImage(t, "a"), newKey(t)
			var extra []func(*signing.Options)
			if tt.logged {
				extra = append(extra, withRekor(vs))
			}
			signImage(t, ref, key, signing.FormatBundle, extra...)
			p := mustCompile(t, verify.PolicyOptions{Keys: []crypto.PublicKey{key.Public()}, TrustedMaterial: vs, TLog: tt.tlog})

			got, err := newVerifier(t).Verify(context.Background(), ref.String(), p)
			if tt.wantErr != nil {
				assertRejected(t, got, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if diff := cmp.Diff(tt.wantIndex, got.LogIndex); diff != "" {
				t.Errorf("LogIndex mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerify_aLogEntryFromAnUntrustedLogIsNotDowngradedToAbsent(t *testing.T) {
	reg := startRegistry(t, true)
	ref, key := reg.pushImage(t, "a"), newKey(t)
	signImage(t, ref, key, signing.FormatBundle, withRekor(newVirtualSigstore(t)))
	p := mustCompile(t, verify.PolicyOptions{Keys: []crypto.PublicKey{key.Public()}, TrustedMaterial: newVirtualSigstore(t), TLog: verify.TLogOptional})

	res, err := newVerifier(t).Verify(context.Background(), ref.String(), p)
	assertRejected(t, res, err, verify.ErrTransparencyLog, "none of which the trusted root holds")
}

func TestVerify_registryTroubleIsTransient(t *testing.T) {
	reg := startRegistry(t, true)
	ref, key := reg.pushImage(t, "a"), newKey(t)
	signImage(t, ref, key, signing.FormatLegacy)
	reg.failing.Store(true)
	noRetries := []remote.Option{remote.WithRetryBackoff(remote.Backoff{Duration: time.Millisecond, Steps: 1})}

	_, err := newVerifier(t, verify.WithRemoteOptions(noRetries)).Verify(context.Background(), ref.String(), keyPolicy(t, key))
	if !errors.Is(err, verify.ErrRegistry) {
		t.Fatalf("Verify error = %v, want ErrRegistry", err)
	}
	if !strings.Contains(err.Error(), "503") && !strings.Contains(err.Error(), "UNAVAILABLE") {
		t.Errorf("error %q does not say what the registry answered", err)
	}
}

func TestVerify_keyIDMatchesTheBundleHintFormat(t *testing.T) {
	key := newKey(t)
	p := keyPolicy(t, key)
	if got, want := p.KeyIDs(), []string{signing.KeyID(key.Public())}; !cmp.Equal(got, want) {
		t.Errorf("KeyIDs() = %v, want %v", got, want)
	}
	if _, err := base64.StdEncoding.DecodeString(p.KeyIDs()[0]); err != nil {
		t.Errorf("key id %q is not standard base64: %v", p.KeyIDs()[0], err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestVerify_callKeychainOpensAPrivateRegistry(t *testing.T) {
	reg := startPrivateRegistry(t, "s3cret")
	ref, key := reg.pushImage(t, "a"), newKey(t)
	signImage(t, ref, key, signing.FormatBundle, func(o *signing.Options) { o.Remote = reg.auth() })
	v := newVerifier(t)

	_, err := v.Verify(context.Background(), ref.String(), keyPolicy(t, key))
	if !errors.Is(err, verify.ErrRegistry) || !strings.Contains(err.Error(), "UNAUTHORIZED") {
		t.Fatalf("Verify without credentials: error %v, want ErrRegistry saying UNAUTHORIZED", err)
	}
	got, err := v.Verify(context.Background(), ref.String(), keyPolicy(t, key), verify.WithKeychain(robotKeychain{password: "s3cret"}))
	if err != nil {
		t.Fatalf("Verify with the pull secret's keychain: %v", err)
	}
	if got.FromCache {
		t.Error("the earlier registry error must not have been cached")
	}
}
