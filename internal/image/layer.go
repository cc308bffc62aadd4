package image

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// layerFile is one regular file of the action layer.
type layerFile struct {
	path string // absolute, clean
	mode int64
	data []byte
}

// actionLayer writes files, their parent directories and a world-writable sticky /tmp into one
// gzip layer. Every entry is owned by 0:0 and stamped with epoch, and entries are sorted, so the
// same files always give the same bytes. /tmp is there because action pods run with a read-only
// root filesystem and mount an emptyDir on /tmp; the directory must exist to be mounted on.
func actionLayer(files []layerFile, epoch time.Time) (v1.Layer, error) {
	headers := map[string]*tar.Header{
		"tmp": dirHeader("tmp", 0o1777, epoch),
	}
	contents := map[string][]byte{}
	for _, f := range files {
		name := strings.TrimPrefix(f.path, "/")
		if _, dup := headers[name]; dup {
			return nil, fmt.Errorf("action layer: %s is given twice", f.path)
		}
		for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
			if _, ok := headers[dir]; !ok {
				headers[dir] = dirHeader(dir, 0o755, epoch)
			}
		}
		headers[name] = &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: f.mode, Size: int64(len(f.data)), ModTime: epoch}
		contents[name] = f.data
	}
	names := make([]string, 0, len(headers))
	for n := range headers {
		names = append(names, n)
	}
	// A parent sorts before its children because it is a prefix of their names.
	sort.Strings(names)

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		if err := tw.WriteHeader(headers[n]); err != nil {
			return nil, fmt.Errorf("action layer: %s: %w", n, err)
		}
		if _, err := tw.Write(contents[n]); err != nil {
			return nil, fmt.Errorf("action layer: %s: %w", n, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("action layer: %w", err)
	}
	tarBytes := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(tarBytes)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, fmt.Errorf("action layer: %w", err)
	}
	return layer, nil
}

func dirHeader(name string, mode int64, epoch time.Time) *tar.Header {
	return &tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, ModTime: epoch}
}
