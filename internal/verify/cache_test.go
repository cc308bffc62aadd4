package verify_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kubernaut/kubernaut/internal/signing"
	"github.com/kubernaut/kubernaut/internal/verify"
)

// signedFixture is a key-signed image and a verifier over a fake clock.
type signedFixture struct {
	reg    *testRegistry
	ref    string
	policy *verify.Policy
	clock  *fakeClock
	v      *verify.Verifier
}

func newSignedFixture(t *testing.T, opts ...verify.Option) *signedFixture {
	t.Helper()
	reg := startRegistry(t, true)
	ref, key := reg.pushImage(t, "actions/scale"), newKey(t)
	signImage(t, ref, key, signing.FormatBundle)
	clock := newFakeClock(testNow)
	all := append([]verify.Option{verify.WithClock(clock.Now), verify.WithCacheTTL(10*time.Minute, 30*time.Second)}, opts...)
	return &signedFixture{reg: reg, ref: ref.String(), policy: keyPolicy(t, key), clock: clock, v: newVerifier(t, all...)}
}

// verify runs one verification and returns its outcome and the registry requests it made.
func (f *signedFixture) verify(t *testing.T, ref string) (*verify.Result, int64, error) {
	t.Helper()
	var res *verify.Result
	var err error
	n := f.reg.countRequests(func() { res, err = f.v.Verify(context.Background(), ref, f.policy) })
	return res, n, err
}

func TestVerifier_cachedSuccessNeedsNoRegistryRequest(t *testing.T) {
	f := newSignedFixture(t)
	first, cold, err := f.verify(t, f.ref)
	if err != nil {
		t.Fatalf("first Verify: %v", err)
	}
	f.clock.Advance(time.Minute)

	second, warm, err := f.verify(t, f.ref)
	if err != nil {
		t.Fatalf("second Verify: %v", err)
	}
	if cold == 0 || warm != 0 {
		t.Errorf("registry requests: first %d, second %d; want some, then none", cold, warm)
	}
	want := *first
	want.FromCache = true
	if diff := cmp.Diff(&want, second); diff != "" {
		t.Errorf("cached Result differs from the verified one (-want +got):\n%s", diff)
	}
	second.Identity, second.Digest = &verify.CertIdentity{Subject: "mallory"}, "sha256:0"
	if third, _, _ := f.verify(t, f.ref); third.Digest != first.Digest || third.Identity != nil {
		t.Errorf("a caller's change to a Result leaked into the cache: %+v", third)
	}
}

func TestVerifier_successExpiresAfterItsTTL(t *testing.T) {
	f := newSignedFixture(t)
	if _, _, err := f.verify(t, f.ref); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(10 * time.Minute)

	res, n, err := f.verify(t, f.ref)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || res.FromCache {
		t.Errorf("after the TTL: %d registry requests, FromCache %v; want a fresh verification", n, res.FromCache)
	}
	if !res.VerifiedAt.Equal(testNow.Add(10 * time.Minute)) {
		t.Errorf("VerifiedAt = %s, want the injected clock's now", res.VerifiedAt)
	}
}

func TestVerifier_failuresAreCachedBriefly(t *testing.T) {
	f := newSignedFixture(t)
	unsigned := f.reg.pushImage(t, "actions/unsigned").String()
	if _, _, err := f.verify(t, unsigned); !errors.Is(err, verify.ErrNoSignature) {
		t.Fatalf("first Verify error = %v, want ErrNoSignature", err)
	}

	f.clock.Advance(29 * time.Second)
	if _, n, err := f.verify(t, unsigned); n != 0 || !errors.Is(err, verify.ErrNoSignature) {
		t.Errorf("within the failure TTL: %d requests, error %v; want the cached ErrNoSignature", n, err)
	}
	f.clock.Advance(time.Second)
	if _, n, _ := f.verify(t, unsigned); n == 0 {
		t.Error("after the failure TTL the failure was still served from the cache")
	}
}

func TestVerifier_registryErrorsAreNeverCached(t *testing.T) {
	noRetries := []remote.Option{remote.WithRetryBackoff(remote.Backoff{Duration: time.Millisecond, Steps: 1})}
	f := newSignedFixture(t, verify.WithRemoteOptions(noRetries))
	f.reg.failing.Store(true)
	if _, _, err := f.verify(t, f.ref); !errors.Is(err, verify.ErrRegistry) {
		t.Fatalf("Verify error = %v, want ErrRegistry", err)
	}
	f.reg.failing.Store(false)

	if _, n, err := f.verify(t, f.ref); err != nil || n == 0 {
		t.Errorf("after the registry recovered: error %v, %d requests; want a fresh, successful verification", err, n)
	}
}

func TestVerifier_cacheKeyIncludesThePolicy(t *testing.T) {
	f := newSignedFixture(t)
	if _, _, err := f.verify(t, f.ref); err != nil {
		t.Fatal(err)
	}
	f.policy = keyPolicy(t, newKey(t))

	if _, n, err := f.verify(t, f.ref); n == 0 || !errors.Is(err, verify.ErrNoMatchingKey) {
		t.Errorf("another policy: %d requests, error %v; want its own verification ending in ErrNoMatchingKey", n, err)
	}
}

func TestVerifier_evictsTheLeastRecentlyUsedEntry(t *testing.T) {
	f := newSignedFixture(t, verify.WithMaxCacheEntries(1))
	other := f.reg.pushImage(t, "actions/unsigned").String()
	for _, ref := range []string{f.ref, other} {
		if _, n, _ := f.verify(t, ref); n == 0 {
			t.Fatalf("first verification of %s made no request", ref)
		}
	}

	if _, n, _ := f.verify(t, f.ref); n == 0 {
		t.Error("the evicted entry was served from the cache")
	}
}

func TestVerifier_concurrentCallsShareOneVerification(t *testing.T) {
	f := newSignedFixture(t)
	_, single, _ := newSignedFixtureVerification(t, f)
	// A slow registry keeps the first verification in flight while the other callers arrive.
	f.reg.latency.Store(int64(20 * time.Millisecond))

	const callers = 16
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	total := f.reg.countRequests(func() {
		for range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.v.Verify(context.Background(), f.ref, f.policy)
				errs <- err
			}()
		}
		wg.Wait()
	})
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
	}
	if total != single {
		t.Errorf("%d concurrent calls made %d registry requests; one verification makes %d", callers, total, single)
	}
}

// newSignedFixtureVerification measures one cold verification of f's image with a fresh verifier.
func newSignedFixtureVerification(t *testing.T, f *signedFixture) (*verify.Result, int64, error) {
	t.Helper()
	fresh := &signedFixture{reg: f.reg, ref: f.ref, policy: f.policy, v: newVerifier(t)}
	return fresh.verify(t, f.ref)
}

func TestNewVerifier_rejectsInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  verify.Option
	}{
		{name: "a negative TTL", opt: verify.WithCacheTTL(-time.Second, time.Second)},
		{name: "a cache without room", opt: verify.WithMaxCacheEntries(0)},
		{name: "a nil clock", opt: verify.WithClock(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := verify.NewVerifier(tt.opt); err == nil {
				t.Error("NewVerifier succeeded, want an error")
			}
		})
	}
}
