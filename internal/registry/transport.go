package registry

import (
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// URLKind classifies a registry request by what it fetches.
type URLKind string

// The kinds of registry requests CountingTransport tells apart.
const (
	// KindManifest is /v2/<name>/manifests/<reference>.
	KindManifest URLKind = "manifest"
	// KindBlob is /v2/<name>/blobs/<digest> (layers and configs; uploads are KindOther).
	KindBlob URLKind = "blob"
	// KindOther is everything else: the /v2/ ping, uploads, tags, referrers, token endpoints.
	KindOther URLKind = "other"
)

// Request is one request seen by a CountingTransport.
type Request struct {
	Method     string
	Kind       URLKind
	Repository string // "" for KindOther
	Reference  string // tag or digest for manifests, digest for blobs, "" for KindOther
	Status     int    // 0 when the round trip failed
	Bytes      int64  // response body bytes read by the caller
}

// Counts is the number of requests and response body bytes of one kind.
type Counts struct {
	Requests int64
	Bytes    int64
}

// Stats is a snapshot of what a CountingTransport carried.
type Stats struct {
	ByKind   map[URLKind]Counts
	Requests []Request // in the order they were sent
}

// Total sums the counts over all kinds.
func (s Stats) Total() Counts {
	var t Counts
	for _, c := range s.ByKind {
		t.Requests += c.Requests
		t.Bytes += c.Bytes
	}
	return t
}

// BlobDigests lists the digests of the blobs requested with GET, in order, once each.
func (s Stats) BlobDigests() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range s.Requests {
		if r.Kind == KindBlob && r.Method == http.MethodGet && !seen[r.Reference] {
			seen[r.Reference] = true
			out = append(out, r.Reference)
		}
	}
	return out
}

// CountingTransport is an http.RoundTripper that records every request and counts the response
// body bytes the caller actually reads, by URL kind. Benchmarks and tests use it to prove which
// manifests and blobs were fetched (and that a cached call fetched nothing). It is safe for
// concurrent use.
type CountingTransport struct {
	base     http.RoundTripper
	mu       sync.Mutex
	requests []*Request
}

// NewCountingTransport wraps base (remote.DefaultTransport when nil).
func NewCountingTransport(base http.RoundTripper) *CountingTransport {
	if base == nil {
		base = remote.DefaultTransport
	}
	return &CountingTransport{base: base}
}

// RoundTrip implements http.RoundTripper.
func (t *CountingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	kind, repo, ref := classify(req.URL.Path)
	rec := &Request{Method: req.Method, Kind: kind, Repository: repo, Reference: ref}
	t.mu.Lock()
	t.requests = append(t.requests, rec)
	t.mu.Unlock()

	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	rec.Status = resp.StatusCode
	t.mu.Unlock()
	resp.Body = &countingBody{ReadCloser: resp.Body, t: t, rec: rec}
	return resp, nil
}

// Stats returns a snapshot of the requests so far.
func (t *CountingTransport) Stats() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := Stats{ByKind: map[URLKind]Counts{}, Requests: make([]Request, 0, len(t.requests))}
	for _, r := range t.requests {
		c := s.ByKind[r.Kind]
		c.Requests++
		c.Bytes += r.Bytes
		s.ByKind[r.Kind] = c
		s.Requests = append(s.Requests, *r)
	}
	return s
}

// Reset forgets everything counted so far.
func (t *CountingTransport) Reset() {
	t.mu.Lock()
	t.requests = nil
	t.mu.Unlock()
}

type countingBody struct {
	io.ReadCloser
	t   *CountingTransport
	rec *Request
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.t.mu.Lock()
		b.rec.Bytes += int64(n)
		b.t.mu.Unlock()
	}
	return n, err
}

// classify splits a distribution-spec path. Repository names contain slashes, so the kind is
// found by the last "/manifests/" or "/blobs/" segment.
func classify(urlPath string) (kind URLKind, repo, ref string) {
	rest, ok := strings.CutPrefix(urlPath, "/v2/")
	if !ok || strings.Contains(rest, "/blobs/uploads") {
		return KindOther, "", ""
	}
	for _, k := range []struct {
		sep  string
		kind URLKind
	}{{"/manifests/", KindManifest}, {"/blobs/", KindBlob}} {
		if i := strings.LastIndex(rest, k.sep); i > 0 {
			return k.kind, rest[:i], rest[i+len(k.sep):]
		}
	}
	return KindOther, "", ""
}
