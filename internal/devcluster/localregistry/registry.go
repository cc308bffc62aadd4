// Package localregistry is the dev cluster's OCI registry: go-containerregistry's registry with
// blobs on disk and a journal of manifest writes, so images survive restarts. (ggcr's
// cmd/registry keeps everything in memory.)
package localregistry

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/registry"
)

// maxManifestBytes bounds a manifest body; real manifests are a few KiB.
const maxManifestBytes = 4 << 20

// journalEntry records one successful manifest write or delete.
type journalEntry struct {
	Method      string `json:"method"`
	Path        string `json:"path"`
	ContentType string `json:"contentType,omitempty"`
	Body        []byte `json:"body,omitempty"`
}

// Handler serves the registry API from dir: blobs in dir/blobs, manifests replayed from
// dir/manifests.jsonl at start and appended to it on every write.
type Handler struct {
	inner   http.Handler
	mu      sync.Mutex
	journal *os.File
}

// New opens (or creates) the registry in dir and replays its manifest journal. Requests are
// logged to logger; nil discards them.
func New(dir string, logger *log.Logger) (*Handler, error) {
	if logger == nil {
		logger = log.New(io.Discard, "", 0)
	}
	if err := os.MkdirAll(filepath.Join(dir, "blobs"), 0o755); err != nil {
		return nil, fmt.Errorf("create registry directory: %w", err)
	}
	inner := registry.New(
		registry.WithBlobHandler(registry.NewDiskBlobHandler(filepath.Join(dir, "blobs"))),
		registry.WithReferrersSupport(true),
		registry.Logger(logger),
	)
	path := filepath.Join(dir, "manifests.jsonl")
	if err := replay(inner, path); err != nil {
		return nil, err
	}
	journal, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open manifest journal: %w", err)
	}
	return &Handler{inner: inner, journal: journal}, nil
}

// Close closes the journal.
func (h *Handler) Close() error { return h.journal.Close() }

// ServeHTTP forwards to the registry and journals manifest writes that succeeded.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !isManifestWrite(r) {
		h.inner.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxManifestBytes+1))
	if err != nil || len(body) > maxManifestBytes {
		http.Error(w, "manifest unreadable or larger than 4 MiB", http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	h.inner.ServeHTTP(rec, r)
	if rec.Code/100 == 2 {
		entry := journalEntry{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), Body: body}
		if err := h.append(entry); err != nil {
			http.Error(w, "journal manifest: "+err.Error(), http.StatusInternalServerError)
			return
		}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (h *Handler) append(e journalEntry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, err := h.journal.Write(append(line, '\n')); err != nil {
		return err
	}
	return h.journal.Sync()
}

func isManifestWrite(r *http.Request) bool {
	return (r.Method == http.MethodPut || r.Method == http.MethodDelete) &&
		strings.HasPrefix(r.URL.Path, "/v2/") && strings.Contains(r.URL.Path, "/manifests/")
}

// replay re-applies the journal to a fresh registry. A torn last line (a crash mid-write) is
// ignored; any other failure is an error, since silently losing images would surface later as
// confusing pull failures.
func replay(inner http.Handler, path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open manifest journal: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 2*maxManifestBytes)
	for line := 1; sc.Scan(); line++ {
		var e journalEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			continue
		}
		req := httptest.NewRequest(e.Method, e.Path, bytes.NewReader(e.Body))
		req.Header.Set("Content-Type", e.ContentType)
		rec := httptest.NewRecorder()
		inner.ServeHTTP(rec, req)
		if rec.Code/100 != 2 && !(e.Method == http.MethodDelete && rec.Code == http.StatusNotFound) {
			return fmt.Errorf("replay manifest journal line %d (%s %s): %d %s", line, e.Method, e.Path, rec.Code, rec.Body.String())
		}
	}
	return sc.Err()
}
