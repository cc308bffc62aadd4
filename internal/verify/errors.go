package verify

import (
	"context"
	"errors"
	"fmt"
)

// Sentinel errors. Verify wraps exactly one of them (test with errors.Is) together with a message
// naming the image and the cause. Only ErrRegistry is transient: retry it with backoff. Every
// other error is a verification verdict that a retry will not change until the image, its
// signatures or the policy change.
var (
	// ErrNoSignature: the image has neither a Sigstore bundle among its referrers nor a legacy
	// .sig tag with a simple-signing payload.
	ErrNoSignature = errors.New("no signature found")
	// ErrNoMatchingKey: a signature exists, but no key of the policy made it.
	ErrNoMatchingKey = errors.New("signature was not made by a trusted key")
	// ErrIdentityMismatch: a keyless signature chains to the trusted root, but its certificate's
	// issuer or subject matches none of the policy identities.
	ErrIdentityMismatch = errors.New("signer identity does not match the policy")
	// ErrDigestMismatch: a valid, trusted signature names another image: it was copied.
	ErrDigestMismatch = errors.New("signature is for a different image")
	// ErrTagReference: the reference names only a tag and the policy requires a digest.
	ErrTagReference = errors.New("reference names a tag, not a digest")
	// ErrUntrustedRoot: a keyless certificate does not chain to the policy's trusted root.
	ErrUntrustedRoot = errors.New("certificate does not chain to the trusted root")
	// ErrTransparencyLog: the transparency-log policy is not met (entry missing, or entry,
	// inclusion promise or proof invalid).
	ErrTransparencyLog = errors.New("transparency log verification failed")
	// ErrInvalidSignature: a signature is malformed or fails a check not covered above (bad
	// signature bytes, certificate expired at signing time, missing SCT, unreadable bundle).
	ErrInvalidSignature = errors.New("invalid signature")
	// ErrRegistry: the registry could not be read (network, authentication, server error). The
	// outcome is unknown; it is transient and never cached.
	ErrRegistry = errors.New("registry error")
)

// failureRank orders failures by how far a signature got before it failed: the highest rank is the
// most specific explanation when no signature verifies.
type failureRank int

const (
	rankUnusable      failureRank = iota // malformed, unsupported
	rankUntrustedSig                     // no trusted key, untrusted root, bad signature
	rankIdentity                         // trusted root, wrong identity
	rankDigest                           // trusted signer, wrong image
	rankAuthenticated                    // trusted signer, right image, a later check failed
)

// failure is why one signature candidate was rejected.
type failure struct {
	rank failureRank
	err  error
}

func fail(rank failureRank, kind error, format string, args ...any) *failure {
	return &failure{rank: rank, err: fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))}
}

// failures collects the rejections of all candidates of one image and picks the verdict.
type failures struct {
	best     *failure
	registry error
	ignored  []string // referrers that are Sigstore bundles but not image signatures
}

func (f *failures) add(x *failure) {
	if f.best == nil || x.rank > f.best.rank {
		f.best = x
	}
}

func (f *failures) registryError(err error) {
	if f.registry == nil {
		f.registry = err
	}
}

// verdict is the error Verify returns when no candidate verified. A registry error wins: the
// signature that would have verified may be the one that could not be read.
func (f *failures) verdict(image string) error {
	switch {
	case f.registry != nil && f.best != nil:
		return fmt.Errorf("verify %s: %w (other signatures: %v)", image, f.registry, f.best.err)
	case f.registry != nil:
		return fmt.Errorf("verify %s: %w", image, f.registry)
	case f.best != nil:
		return fmt.Errorf("verify %s: %w", image, f.best.err)
	case len(f.ignored) > 0:
		return fmt.Errorf("verify %s: %w: no Sigstore bundle with predicate type %s among the referrers "+
			"(found only %v) and no legacy .sig tag", image, ErrNoSignature, signPredicateType, f.ignored)
	default:
		return fmt.Errorf("verify %s: %w: no Sigstore bundle among the referrers and no legacy .sig tag", image, ErrNoSignature)
	}
}

// registryErr marks an error from talking to the registry as transient.
func registryErr(what string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrRegistry, what, err)
}

// cacheable reports whether an outcome is a verdict worth caching: registry trouble and
// cancelled contexts say nothing about the image.
func cacheable(err error) bool {
	return !errors.Is(err, ErrRegistry) && !errors.Is(err, context.Canceled) &&
		!errors.Is(err, context.DeadlineExceeded)
}
