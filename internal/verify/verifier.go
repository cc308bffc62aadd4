package verify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/sync/singleflight"
)

// Defaults of the verification cache.
const (
	DefaultSuccessTTL      = 10 * time.Minute
	DefaultFailureTTL      = 30 * time.Second
	DefaultMaxCacheEntries = 4096
)

// Verifier verifies image signatures against compiled policies and caches the outcomes. It is
// safe for concurrent use; build one per process and share it.
type Verifier struct {
	remoteOpts []remote.Option
	nameOpts   []name.Option
	successTTL time.Duration
	failureTTL time.Duration
	maxEntries int
	now        func() time.Time
	cache      *resultCache
	flight     singleflight.Group
}

// Option configures a Verifier.
type Option func(*Verifier) error

// WithRemoteOptions sets the go-containerregistry options used for every registry request:
// authentication (a keychain over the docker config and Kubernetes pull secrets), transport,
// user agent. The default authenticates with authn.DefaultKeychain.
func WithRemoteOptions(opts []remote.Option) Option {
	return func(v *Verifier) error {
		v.remoteOpts = slices.Clone(opts)
		return nil
	}
}

// WithNameOptions sets how image references are parsed, e.g. name.Insecure for a plain-HTTP
// registry that is not on a loopback or private address.
func WithNameOptions(opts ...name.Option) Option {
	return func(v *Verifier) error {
		v.nameOpts = slices.Clone(opts)
		return nil
	}
}

// WithCacheTTL sets how long successful and failed verifications are remembered. A zero TTL
// disables caching of that outcome.
func WithCacheTTL(success, failure time.Duration) Option {
	return func(v *Verifier) error {
		if success < 0 || failure < 0 {
			return fmt.Errorf("cache TTLs must not be negative (success %s, failure %s)", success, failure)
		}
		v.successTTL, v.failureTTL = success, failure
		return nil
	}
}

// WithMaxCacheEntries bounds the cache; the least recently used entries are evicted first.
func WithMaxCacheEntries(n int) Option {
	return func(v *Verifier) error {
		if n < 1 {
			return fmt.Errorf("max cache entries must be at least 1, got %d", n)
		}
		v.maxEntries = n
		return nil
	}
}

// WithClock sets the clock used for cache expiry and Result.VerifiedAt (tests inject a fake).
func WithClock(now func() time.Time) Option {
	return func(v *Verifier) error {
		if now == nil {
			return errors.New("clock must not be nil")
		}
		v.now = now
		return nil
	}
}

// CallOption adjusts a single Verify call.
type CallOption func(*callOptions)

type callOptions struct {
	remote []remote.Option
}

// WithKeychain authenticates the registry requests of one call with kc, for example a keychain
// over the pull secrets of the workload's ServiceAccount, instead of the verifier's default.
// Outcomes are cached whatever the credentials: whether a signature is valid does not depend on
// who reads it, and pulling the image stays subject to the kubelet's own credentials.
func WithKeychain(kc authn.Keychain) CallOption {
	return func(c *callOptions) { c.remote = append(c.remote, remote.WithAuthFromKeychain(kc)) }
}

// NewVerifier builds a Verifier. Options are validated here, not at first use.
func NewVerifier(opts ...Option) (*Verifier, error) {
	v := &Verifier{
		remoteOpts: []remote.Option{remote.WithAuthFromKeychain(authn.DefaultKeychain)},
		successTTL: DefaultSuccessTTL,
		failureTTL: DefaultFailureTTL,
		maxEntries: DefaultMaxCacheEntries,
		now:        time.Now,
	}
	for _, opt := range opts {
		if err := opt(v); err != nil {
			return nil, fmt.Errorf("configuring verifier: %w", err)
		}
	}
	v.cache = newResultCache(v.maxEntries)
	return v, nil
}

// Verify checks that the image ref is signed as policy p demands and returns what was verified.
//
// A reference naming only a tag is rejected with ErrTagReference when the policy requires a
// digest; otherwise the tag is resolved to a digest on every call (tags move; only the digest's
// outcome is cached) and Result.ResolvedFrom names the tag. The caller must then use
// Result.Digest, never the tag: nothing is rewritten behind its back.
//
// Outcomes are cached per (policy hash, repository@digest); concurrent calls for the same key
// share one verification. Errors wrap one of the package's sentinel errors; only ErrRegistry
// (and a cancelled ctx) is transient and never cached. Callers sharing a verification share
// its outcome, including a registry error caused by the first caller's cancelled ctx.
func (v *Verifier) Verify(ctx context.Context, ref string, p *Policy, opts ...CallOption) (*Result, error) {
	if p == nil || p.hash == "" {
		return nil, errors.New("verify: the policy is nil or was not built by Compile")
	}
	// A digest reference names immutable content, so its outcome is looked up by the reference as
	// given, before parsing it: a cache hit then costs a map lookup, not a reference parse.
	isDigest := strings.Contains(ref, "@")
	if isDigest {
		if res, err, ok := v.cache.get(cacheKey{policy: p.hash, image: ref}, v.now()); ok {
			return res, err
		}
	}
	var call callOptions
	for _, o := range opts {
		o(&call)
	}
	remoteOpts := slices.Concat(v.remoteOpts, call.remote)
	digest, tag, err := v.target(ctx, ref, p, remoteOpts)
	if err != nil {
		return nil, err
	}
	key := cacheKey{policy: p.hash, image: ref}
	if !isDigest {
		key.image = digest.String()
		if res, err, ok := v.cache.get(key, v.now()); ok {
			return withTag(res, tag), err
		}
	}
	ch := v.flight.DoChan(key.String(), func() (any, error) {
		if res, err, ok := v.cache.get(key, v.now()); ok {
			return res, err
		}
		res, err := v.verifyDigest(ctx, digest, p, remoteOpts)
		v.remember(key, res, err)
		return res, err
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return withTag(r.Val.(*Result).clone(), tag), nil
	case <-ctx.Done():
		return nil, registryErr("waiting for the verification of "+digest.String(), ctx.Err())
	}
}

// target parses ref and returns the digest to verify, and the tag it came from if any.
func (v *Verifier) target(ctx context.Context, ref string, p *Policy, remoteOpts []remote.Option) (name.Digest, string, error) {
	parsed, err := name.ParseReference(ref, v.nameOpts...)
	if err != nil {
		return name.Digest{}, "", fmt.Errorf("verify %q: not a valid image reference: %w", ref, err)
	}
	switch r := parsed.(type) {
	case name.Digest:
		return r, "", nil
	case name.Tag:
		if p.opts.RequireDigest {
			return name.Digest{}, "", fmt.Errorf("verify %s: %w: the policy requires an image digest (%s@sha256:…); "+
				"tags are never resolved on your behalf in strict mode", ref, ErrTagReference, r.Context())
		}
		rc, err := newRegistryClient(ctx, remoteOpts)
		if err != nil {
			return name.Digest{}, "", err
		}
		d, err := rc.resolveTag(r)
		if err != nil {
			return name.Digest{}, "", fmt.Errorf("verify %s: %w", ref, err)
		}
		return d, r.String(), nil
	default:
		return name.Digest{}, "", fmt.Errorf("verify %q: unsupported reference type %T", ref, parsed)
	}
}

// verifyDigest looks for signatures in cosign v3's order, bundles among the referrers first, then
// the legacy .sig tag, and returns the first that verifies; later signatures are not even
// fetched. Without one, the most specific failure (see failureRank) explains why.
func (v *Verifier) verifyDigest(ctx context.Context, digest name.Digest, p *Policy, remoteOpts []remote.Option) (*Result, error) {
	rc, err := newRegistryClient(ctx, remoteOpts)
	if err != nil {
		return nil, err
	}
	var fs failures
	if res := v.verifyBundles(rc, digest, p, &fs); res != nil {
		return res, nil
	}
	if res := v.verifyLegacy(rc, digest, p, &fs); res != nil {
		return res, nil
	}
	return nil, fs.verdict(digest.String())
}

func (v *Verifier) verifyBundles(rc *registryClient, digest name.Digest, p *Policy, fs *failures) *Result {
	referrers, err := rc.referrers(digest, fs)
	if err != nil {
		fs.registryError(err)
	}
	for _, ref := range referrers {
		bundles, err := rc.referrerBundles(ref, fs)
		if err != nil {
			fs.registryError(err)
			continue
		}
		for _, fb := range bundles {
			if c := bundleCandidate(fb, fs); c != nil {
				if res := v.check(c, digest, p, fs); res != nil {
					return res
				}
			}
		}
	}
	return nil
}

func (v *Verifier) verifyLegacy(rc *registryClient, digest name.Digest, p *Policy, fs *failures) *Result {
	legacy, err := rc.legacySignatures(digest, fs)
	if err != nil {
		fs.registryError(err)
	}
	for _, ls := range legacy {
		c, f := legacyCandidate(ls)
		if f != nil {
			fs.add(f)
			continue
		}
		if res := v.check(c, digest, p, fs); res != nil {
			return res
		}
	}
	return nil
}

func (v *Verifier) check(c *candidate, digest name.Digest, p *Policy, fs *failures) *Result {
	h, err := v1.NewHash(digest.DigestStr())
	if err != nil {
		fs.add(fail(rankUnusable, ErrInvalidSignature, "image digest %s: %v", digest.DigestStr(), err))
		return nil
	}
	res, f := p.checkCandidate(c, h)
	if f != nil {
		fs.add(f)
		return nil
	}
	res.Digest = h.String()
	res.Repository = digest.Context().Name()
	res.VerifiedAt = v.now()
	return res
}

func (v *Verifier) remember(key cacheKey, res *Result, err error) {
	ttl := v.successTTL
	if err != nil {
		if !cacheable(err) {
			return
		}
		ttl = v.failureTTL
	}
	if ttl > 0 {
		v.cache.put(key, res, err, v.now().Add(ttl))
	}
}

func withTag(r *Result, tag string) *Result {
	if r != nil {
		r.ResolvedFrom = tag
	}
	return r
}
