package scale_test

import (
	"encoding/pem"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/rest"
)

// countingProxy stands between the manager and the API server and counts the manager's
// requests by verb and resource. client-go's own metric (rest_client_requests_total) has only
// the HTTP method; the resource is what tells which part of a step costs the requests.
//
// It serves TLS with HTTP/2, as the API server does, so the manager's connections behave as
// they would without it (one multiplexed connection, watches as streams), and forwards with
// the administrator's credentials of the test control plane.
type countingProxy struct {
	server *httptest.Server
	*requestCounter
}

// startProxy forwards to the API server of cfg until the benchmark ends.
func startProxy(b *testing.B, cfg *rest.Config) *countingProxy {
	b.Helper()
	target, err := url.Parse(cfg.Host)
	if err != nil {
		b.Fatalf("parse the API server address %q: %v", cfg.Host, err)
	}
	transport, err := rest.TransportFor(cfg)
	if err != nil {
		b.Fatalf("transport to the API server: %v", err)
	}
	p := &countingProxy{requestCounter: newRequestCounter()}
	forward := &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(target) },
		Transport: transport,
		// Watch events must reach the manager as they happen, not when a buffer fills.
		FlushInterval: -1,
	}
	p.server = httptest.NewUnstartedServer(p.middleware(requestKind)(forward))
	p.server.EnableHTTP2 = true
	p.server.StartTLS()
	b.Cleanup(p.server.Close)
	return p
}

// caPEM is the certificate the manager must trust to talk to the proxy.
func (p *countingProxy) caPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.server.Certificate().Raw})
}

// requestCounter counts HTTP requests by a kind derived from each request.
type requestCounter struct {
	mu     sync.Mutex
	counts map[string]int
}

func newRequestCounter() *requestCounter { return &requestCounter{counts: map[string]int{}} }

// middleware counts every request by kindOf before passing it on.
func (c *requestCounter) middleware(kindOf func(*http.Request) string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c.mu.Lock()
			c.counts[kindOf(r)]++
			c.mu.Unlock()
			next.ServeHTTP(w, r)
		})
	}
}

// snapshot returns the counts so far.
func (c *requestCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.counts)
}

// requestKind names a request as "<verb> <resource>[/<subresource>]", the way the API server's
// audit log would: GET is get, list or watch depending on whether it names an object and asks
// to watch. Paths outside /api and /apis (discovery, version) are "discovery".
func requestKind(r *http.Request) string {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	var rest []string
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		rest = parts[2:] // api/v1/...
	case len(parts) >= 3 && parts[0] == "apis":
		rest = parts[3:] // apis/group/version/...
	default:
		return "discovery"
	}
	if len(rest) >= 2 && rest[0] == "namespaces" && len(rest) > 2 {
		rest = rest[2:] // namespaces/<ns>/<resource>...
	}
	if len(rest) == 0 {
		return "discovery"
	}
	resource, named := rest[0], len(rest) >= 2
	if len(rest) >= 3 {
		resource += "/" + rest[2]
	}
	return verb(r, named) + " " + resource
}

func verb(r *http.Request, named bool) string {
	switch r.Method {
	case http.MethodGet:
		switch {
		case r.URL.Query().Get("watch") == "true" || r.URL.Query().Get("watch") == "1":
			return "watch"
		case named:
			return "get"
		default:
			return "list"
		}
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		return "delete"
	default:
		return strings.ToLower(r.Method)
	}
}

// registryRequestKind names an OCI distribution request "<METHOD> <kind>", the kind being the
// path element after the repository (manifests, blobs, referrers, tags), or the path itself.
func registryRequestKind(r *http.Request) string {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	for i := len(parts) - 2; i >= 1; i-- {
		switch parts[i] {
		case "manifests", "blobs", "referrers", "tags":
			return r.Method + " " + parts[i]
		}
	}
	return r.Method + " " + r.URL.Path
}
