// Package imagecontract reads an action's contract out of its image, from exactly the digest
// that was verified: layers are read from the top down and only as far as needed, whiteouts are
// honoured, the file is size-capped and parsed strictly, and results are cached by digest.
package imagecontract

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kubernaut/kubernaut/internal/registry"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

// Defaults of Options.
const (
	DefaultMaxSize      = 1 << 20 // 1 MiB, the size contract.Parse accepts
	DefaultCacheSize    = 512
	DefaultFetchTimeout = 2 * time.Minute
)

// Options configure a Loader. The zero value is usable: anonymous registry access and defaults.
type Options struct {
	// Keychain authenticates registry calls; nil means anonymous.
	Keychain authn.Keychain
	// Transport carries registry calls; nil means remote.DefaultTransport.
	Transport http.RoundTripper
	// MaxSize caps the contract file in bytes; 0 means DefaultMaxSize.
	MaxSize int64
	// CacheSize bounds how many (digest, path) results are kept; 0 means DefaultCacheSize.
	CacheSize int
	// FetchTimeout bounds one registry fetch; 0 means DefaultFetchTimeout. A fetch is shared by
	// every concurrent Load of the same digest, so it cannot run on any one caller's context.
	FetchTimeout time.Duration
}

// Loaded is a contract read from an image.
type Loaded struct {
	// Contract is the parsed contract. It is shared with the cache: do not modify it.
	Contract *contract.ActionContract
	// Raw is the file as stored in the image. Shared with the cache: do not modify it.
	Raw []byte
	// Digest is the image digest the contract was read from (the one asked for).
	Digest v1.Hash
	// Path is the normalised path the contract was read from.
	Path string
	// LayerIndex is the manifest index of the layer that holds the file (0 is the bottom layer).
	LayerIndex int
	// LayerDigest is the digest of that layer.
	LayerDigest v1.Hash
}

// Loader loads contracts from images. It is safe for concurrent use; concurrent loads of the
// same (digest, path) share one registry fetch.
type Loader struct {
	opts Options

	mu      sync.Mutex
	cache   *lru
	flights map[cacheKey]*flight
}

// flight is a fetch in progress; done is closed when val and err are set.
type flight struct {
	done chan struct{}
	val  *Loaded
	err  error
}

// NewLoader returns a Loader with opts, defaults filled in.
func NewLoader(opts Options) *Loader {
	if opts.MaxSize <= 0 {
		opts.MaxSize = DefaultMaxSize
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = DefaultCacheSize
	}
	if opts.FetchTimeout <= 0 {
		opts.FetchTimeout = DefaultFetchTimeout
	}
	return &Loader{opts: opts, cache: newLRU(opts.CacheSize), flights: map[cacheKey]*flight{}}
}

// LoadOption changes one Load.
type LoadOption func(*loadOptions)

type loadOptions struct {
	keychain authn.Keychain
}

// WithKeychain authenticates this load's registry calls with kc instead of Options.Keychain, for
// callers whose credentials differ per request (a namespace's image pull secrets). A cached
// result is returned whatever the keychain: the digest names the content, and the caller has
// already fetched (and verified) that digest with its own credentials.
func WithKeychain(kc authn.Keychain) LoadOption {
	return func(o *loadOptions) { o.keychain = kc }
}

// Load returns the contract at contractPath ("" means contract.DefaultPath) in the image ref.
// Only digest references are accepted, so the contract comes from exactly the image that was
// verified and can never change under a cached entry. For an image index, the linux/amd64 image
// is read. Errors wrap ErrContractNotFound, ErrContractTooLarge, ErrContractWhiteout or
// ErrInvalidContract where those apply; failures are not cached. Concurrent loads of one
// (digest, path) share the first caller's fetch, including its keychain.
func (l *Loader) Load(ctx context.Context, ref name.Digest, contractPath string, opts ...LoadOption) (*Loaded, error) {
	lo := loadOptions{keychain: l.opts.Keychain}
	for _, o := range opts {
		o(&lo)
	}
	digest, err := v1.NewHash(ref.DigestStr())
	if err != nil {
		return nil, fmt.Errorf("image reference %q: not a digest reference: %w", ref.String(), err)
	}
	p, err := normalizePath(contractPath)
	if err != nil {
		return nil, err
	}
	key := cacheKey{digest: digest.String(), path: p}

	l.mu.Lock()
	if hit, ok := l.cache.get(key); ok {
		l.mu.Unlock()
		return hit, nil
	}
	f, inFlight := l.flights[key]
	if !inFlight {
		f = &flight{done: make(chan struct{})}
		l.flights[key] = f
		go l.run(context.WithoutCancel(ctx), key, f, ref, digest, lo.keychain)
	}
	l.mu.Unlock()

	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		return nil, fmt.Errorf("loading the contract of %s: %w", ref, ctx.Err())
	}
}

// run performs one shared fetch and publishes its result to the cache before waking waiters,
// so a Load that misses the flight finds the cache filled.
func (l *Loader) run(ctx context.Context, key cacheKey, f *flight, ref name.Digest, digest v1.Hash, kc authn.Keychain) {
	ctx, cancel := context.WithTimeout(ctx, l.opts.FetchTimeout)
	defer cancel()
	f.val, f.err = l.fetch(ctx, ref, digest, key.path, kc)
	l.mu.Lock()
	if f.err == nil {
		l.cache.add(key, f.val)
	}
	delete(l.flights, key)
	l.mu.Unlock()
	close(f.done)
}

// fetch reads the manifest, then layers from the top down until one has or hides the path.
func (l *Loader) fetch(ctx context.Context, ref name.Digest, digest v1.Hash, p string, kc authn.Keychain) (*Loaded, error) {
	img, err := remote.Image(ref, registry.RemoteOptions(ctx, kc, l.opts.Transport)...)
	if err != nil {
		return nil, fmt.Errorf("image %s: fetching the manifest: %w", ref, err)
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("image %s: listing layers: %w", ref, err)
	}
	for i := len(layers) - 1; i >= 0; i-- {
		layerDigest, err := layers[i].Digest()
		if err != nil {
			return nil, fmt.Errorf("image %s: layer %d: %w", ref, i, err)
		}
		res, err := scanLayer(layers[i], p, l.opts.MaxSize)
		if err != nil {
			return nil, fmt.Errorf("image %s, layer %d (%s), %s: %w", ref, i, layerDigest, p, err)
		}
		switch res.verdict {
		case deleted:
			return nil, fmt.Errorf("image %s: %w in layer %d (%s): %s hides %s",
				ref, ErrContractWhiteout, i, layerDigest, res.hiddenBy, p)
		case present:
			c, err := contract.Parse(res.data)
			if err != nil {
				return nil, fmt.Errorf("image %s: %w at %s in layer %d: %w", ref, ErrInvalidContract, p, i, err)
			}
			return &Loaded{Contract: c, Raw: res.data, Digest: digest, Path: p, LayerIndex: i, LayerDigest: layerDigest}, nil
		}
	}
	return nil, fmt.Errorf("image %s: %w: %s is in none of its %d layers", ref, ErrContractNotFound, p, len(layers))
}

// normalizePath makes the contract path absolute and clean; tar names are compared in the same
// form, so "action-contract.yaml", "./action-contract.yaml" and "/action-contract.yaml" agree.
func normalizePath(p string) (string, error) {
	if p == "" {
		return contract.DefaultPath, nil
	}
	clean := path.Clean("/" + p)
	if clean == "/" {
		return "", errors.New("contract path: names the root directory, not a file")
	}
	return clean, nil
}
