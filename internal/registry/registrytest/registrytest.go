// Package registrytest starts real OCI registries (go-containerregistry's pkg/registry) on
// 127.0.0.1 for tests, optionally behind HTTP basic authentication.
package registrytest

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
)

// Registry is a running in-memory registry.
type Registry struct {
	// Host is "127.0.0.1:<port>", ready to prefix repository names.
	Host string
	// Server is the underlying test server; it is closed by t.Cleanup.
	Server *httptest.Server
}

// Option changes how the registry is served.
type Option func(*config)

type config struct {
	noReferrers    bool
	user, password string
	middleware     []func(http.Handler) http.Handler
	blobDir        string
}

// WithBasicAuth makes every request need the given credentials, the way a private registry does,
// answering 401 with a Basic challenge otherwise.
func WithBasicAuth(user, password string) Option {
	return func(c *config) { c.user, c.password = user, password }
}

// WithReferrersSupport selects whether the registry implements the OCI 1.1 Referrers API (it does
// by default), so tests can cover registries that only offer the `sha256-<hex>` fallback tag.
func WithReferrersSupport(enabled bool) Option {
	return func(c *config) { c.noReferrers = !enabled }
}

// WithDiskBlobs stores blobs as files under dir instead of in memory, for tests and benchmarks
// that push large images on a shared machine.
func WithDiskBlobs(dir string) Option {
	return func(c *config) { c.blobDir = dir }
}

// WithMiddleware wraps the registry handler, outermost last, so tests can delay, count or
// tamper with responses the way a slow or hostile registry would.
func WithMiddleware(m func(http.Handler) http.Handler) Option {
	return func(c *config) { c.middleware = append(c.middleware, m) }
}

// Start serves a registry, with OCI referrers support unless WithReferrersSupport(false) says
// otherwise, until the test ends.
func Start(t testing.TB, opts ...Option) *Registry {
	t.Helper()
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	regOpts := []registry.Option{
		registry.WithReferrersSupport(!cfg.noReferrers),
		registry.Logger(log.New(io.Discard, "", 0)),
	}
	if cfg.blobDir != "" {
		regOpts = append(regOpts, registry.WithBlobHandler(registry.NewDiskBlobHandler(cfg.blobDir)))
	}
	var h http.Handler = registry.New(regOpts...)
	if cfg.user != "" {
		h = basicAuth(h, cfg.user, cfg.password)
	}
	for _, m := range cfg.middleware {
		h = m(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &Registry{Host: strings.TrimPrefix(srv.URL, "http://"), Server: srv}
}

func basicAuth(next http.Handler, user, password string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != user || p != password {
			w.Header().Set("WWW-Authenticate", `Basic realm="registrytest"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`,
				http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
