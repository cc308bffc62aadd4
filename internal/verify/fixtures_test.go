package verify_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
	"github.com/kubernaut/kubernaut/internal/signing"
	"github.com/kubernaut/kubernaut/internal/verify"
)

// testRegistry is go-containerregistry's in-memory registry on 127.0.0.1, with a request counter,
// a switch that makes it answer 503 like a registry in trouble, and an optional latency.
type testRegistry struct {
	host     string
	requests atomic.Int64
	failing  atomic.Bool
	latency  atomic.Int64 // nanoseconds added to every request
	password string       // when set, every request needs basic auth as user "robot"
}

func startRegistry(t testing.TB, referrersAPI bool) *testRegistry {
	t.Helper()
	return startRegistryWith(t, &testRegistry{}, referrersAPI)
}

// startPrivateRegistry starts a registry that answers 401 without the robot's password.
func startPrivateRegistry(t testing.TB, password string) *testRegistry {
	t.Helper()
	return startRegistryWith(t, &testRegistry{password: password}, true)
}

func startRegistryWith(t testing.TB, r *testRegistry, referrersAPI bool) *testRegistry {
	t.Helper()
	reg := registrytest.Start(t, registrytest.WithReferrersSupport(referrersAPI), registrytest.WithMiddleware(r.serve))
	r.host = reg.Host
	return r
}

// serve counts, delays, authenticates and (when failing) refuses requests before the registry
// sees them; the password check comes before the failure switch, as in a real registry.
func (r *testRegistry) serve(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.requests.Add(1)
		time.Sleep(time.Duration(r.latency.Load()))
		if user, pass, ok := req.BasicAuth(); r.password != "" && (!ok || user != "robot" || pass != r.password) {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return
		}
		if r.failing.Load() {
			http.Error(w, `{"errors":[{"code":"UNAVAILABLE","message":"maintenance"}]}`, http.StatusServiceUnavailable)
			return
		}
		next.ServeHTTP(w, req)
	})
}

// auth returns the registry options that authenticate as the robot, if the registry is private.
func (r *testRegistry) auth() []remote.Option {
	if r.password == "" {
		return nil
	}
	return []remote.Option{remote.WithAuth(&authn.Basic{Username: "robot", Password: r.password})}
}

// robotKeychain hands out the robot's credentials for every registry, like a pull secret.
type robotKeychain struct{ password string }

func (k robotKeychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	return &authn.Basic{Username: "robot", Password: k.password}, nil
}

// pushImage pushes a small random image and returns its digest reference.
func (r *testRegistry) pushImage(t testing.TB, repo string) name.Digest {
	t.Helper()
	return registrytest.PushRandomImage(t, r.host+"/"+repo, r.auth()...)
}

// newVerifier builds a verifier whose registry traffic is counted by r and whose clock is fixed
// unless clock is given.
func newVerifier(t testing.TB, opts ...verify.Option) *verify.Verifier {
	t.Helper()
	all := append([]verify.Option{verify.WithClock(fixedClock(testNow))}, opts...)
	v, err := verify.NewVerifier(all...)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return v
}

// testNow is the fixed time test verifiers report as VerifiedAt.
var testNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// fakeClock is a settable clock for TTL tests.
type fakeClock struct{ now atomic.Pointer[time.Time] }

func newFakeClock(t time.Time) *fakeClock {
	c := &fakeClock{}
	c.now.Store(&t)
	return c
}

func (c *fakeClock) Now() time.Time { return *c.now.Load() }

func (c *fakeClock) Advance(d time.Duration) {
	t := c.Now().Add(d)
	c.now.Store(&t)
}

// countRequests returns how many registry requests fn made.
func (r *testRegistry) countRequests(fn func()) int64 {
	before := r.requests.Load()
	fn()
	return r.requests.Load() - before
}

// newKey returns a fresh ECDSA P-256 key, the kind `cosign generate-key-pair` makes.
func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signImage signs ref with key in the given format through internal/signing, which writes what
// `cosign sign --key` writes.
func signImage(t testing.TB, ref name.Digest, key crypto.Signer, format signing.Format, extra ...func(*signing.Options)) {
	t.Helper()
	opts := signing.Options{Format: format}
	for _, f := range extra {
		f(&opts)
	}
	if _, err := signing.Sign(context.Background(), ref, key, opts); err != nil {
		t.Fatalf("signing %s (%s): %v", ref, format, err)
	}
}

// mustCompile compiles a policy or fails the test.
func mustCompile(t testing.TB, opts verify.PolicyOptions) *verify.Policy {
	t.Helper()
	p, err := verify.Compile(opts)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return p
}

// keyPolicy trusts the given keys and ignores the transparency log, like
// `cosign verify --key … --insecure-ignore-tlog`.
func keyPolicy(t testing.TB, keys ...*ecdsa.PrivateKey) *verify.Policy {
	t.Helper()
	opts := verify.PolicyOptions{TLog: verify.TLogDisabled}
	for _, k := range keys {
		opts.Keys = append(opts.Keys, k.Public())
	}
	return mustCompile(t, opts)
}

// referrerBundleJSON returns the Sigstore bundle attached to ref (exactly one expected).
func referrerBundleJSON(t testing.TB, ref name.Digest) []byte {
	t.Helper()
	idx, err := remote.Referrers(ref)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 {
		t.Fatalf("%s has %d referrers, want 1", ref, len(im.Manifests))
	}
	bundleJSON, _ := registrytest.OnlyLayer(t, ref.Context().Digest(im.Manifests[0].Digest.String()))
	return bundleJSON
}

// attachStatementBundle signs an arbitrary in-toto statement with key and attaches the bundle to
// ref, the way `cosign attest --key` attaches an attestation.
func attachStatementBundle(t testing.TB, ref name.Digest, key crypto.Signer, statement any) {
	t.Helper()
	raw, err := json.Marshal(statement)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := signing.NewKeypair(key)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sign.Bundle(&sign.DSSEData{Data: raw, PayloadType: signing.InTotoPayloadType}, kp, sign.BundleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bundleJSON, err := protojson.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signing.AttachBundle(context.Background(), ref, bundleJSON, signing.Options{}); err != nil {
		t.Fatalf("attaching statement bundle: %v", err)
	}
}

// statementFor is an in-toto statement about ref with the given predicate type.
func statementFor(ref name.Digest, predicateType string) map[string]any {
	return map[string]any{
		"_type":         "https://in-toto.io/Statement/v1",
		"subject":       []map[string]any{{"name": ref.Context().Name(), "digest": map[string]string{"sha256": strings.TrimPrefix(ref.DigestStr(), "sha256:")}}},
		"predicateType": predicateType,
		"predicate":     map[string]any{},
	}
}
