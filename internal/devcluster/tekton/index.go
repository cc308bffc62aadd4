package tekton

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/kubernaut/kubernaut/internal/image"
)

// indexFile records, in the cache directory, which image digest each binary was pushed as.
// Packaging the 380 MB of binaries (tar and gzip, twice: for the digest and for the push) takes
// far longer than hashing them, so a warm Build consults this instead.
const indexFile = "images.json"

// imageIndex is the content of indexFile.
type imageIndex struct {
	path string
	// Images maps a command to the image last pushed for it.
	Images map[string]indexEntry `json:"images"`
}

// indexEntry is one pushed image and what it was made from.
type indexEntry struct {
	// Key hashes the binary together with everything else that goes into the image.
	Key string `json:"key"`
	// Digest is the image's manifest digest, sha256:….
	Digest string `json:"digest"`
}

// loadIndex reads the index of cacheDir; a missing or unreadable index is an empty one, since
// the worst it costs is packaging the images again.
func loadIndex(cacheDir string) (*imageIndex, error) {
	idx := &imageIndex{path: filepath.Join(cacheDir, Version, indexFile), Images: map[string]indexEntry{}}
	data, err := os.ReadFile(idx.path)
	if errors.Is(err, os.ErrNotExist) {
		return idx, nil
	}
	if err != nil {
		return nil, fmt.Errorf("tekton image index: %w", err)
	}
	if json.Unmarshal(data, idx) != nil || idx.Images == nil {
		idx.Images = map[string]indexEntry{}
	}
	return idx, nil
}

// save writes the index atomically, so an interrupted Build never leaves a half-written record.
func (idx *imageIndex) save() error {
	data, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return fmt.Errorf("tekton image index: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(idx.path), 0o755); err != nil {
		return fmt.Errorf("tekton image index: %w", err)
	}
	tmp := idx.path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("tekton image index: %w", err)
	}
	if err := os.Rename(tmp, idx.path); err != nil {
		return fmt.Errorf("tekton image index: %w", err)
	}
	return nil
}

// key hashes the binary and the image recipe (layout, environment, user, architecture): a change
// in any of them must produce a new image.
func (idx *imageIndex) key(binary string) (string, error) {
	f, err := os.Open(binary)
	if err != nil {
		return "", fmt.Errorf("tekton binary: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	fmt.Fprintf(h, "ko layout %s; env %s; user %s; linux/%s\n", koAppDir, strings.Join(koEnv, " "), image.User, runtime.GOARCH)
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("tekton binary %s: %w", binary, err)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}
