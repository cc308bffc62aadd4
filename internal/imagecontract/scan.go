package imagecontract

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1"
)

// Whiteout names of the OCI image spec (layer.md, "Whiteouts").
const (
	whiteoutPrefix = ".wh."
	opaqueWhiteout = ".wh..wh..opq"
)

// layerVerdict is what one layer says about the contract path.
type layerVerdict int

const (
	// absent: this layer neither has nor hides the path; look further down.
	absent layerVerdict = iota
	// present: this layer has the file; the scan's data holds it.
	present
	// deleted: this layer hides the path from every layer below it.
	deleted
)

// scanResult is the outcome of reading one layer.
type scanResult struct {
	verdict  layerVerdict
	data     []byte // when present
	hiddenBy string // the tar entry that hides the path, when deleted
}

// errNotRegular reports a contract path that is a directory, link or device in a layer.
var errNotRegular = errors.New("not a regular file")

// scanLayer streams one layer's tar looking for target (an absolute, clean path). It reads the
// file through an io.LimitReader of maxSize+1 bytes, so an oversized contract is never held in
// memory. The layer is always read to its end, because go-containerregistry checks the blob's
// digest only at EOF: stopping early would trust bytes nobody verified.
func scanLayer(layer v1.Layer, target string, maxSize int64) (res scanResult, err error) {
	rc, err := layer.Uncompressed()
	if err != nil {
		return scanResult{}, err
	}
	defer rc.Close()
	res, err = scanTar(tar.NewReader(rc), target, maxSize)
	if err != nil {
		return scanResult{}, err
	}
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return scanResult{}, fmt.Errorf("reading to the end of the layer to verify its digest: %w", err)
	}
	return res, nil
}

func scanTar(tr *tar.Reader, target string, maxSize int64) (scanResult, error) {
	var hiddenBy string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return scanResult{}, fmt.Errorf("reading the layer's tar: %w", err)
		}
		name := path.Clean("/" + h.Name)
		switch {
		case name == target:
			return readTarget(tr, h, maxSize)
		case hiddenBy == "" && hides(name, h.Typeflag, target):
			// Keep scanning: the spec lets a file in the same layer as a whiteout survive it.
			hiddenBy = h.Name
		}
	}
	if hiddenBy != "" {
		return scanResult{verdict: deleted, hiddenBy: hiddenBy}, nil
	}
	return scanResult{verdict: absent}, nil
}

func readTarget(tr *tar.Reader, h *tar.Header, maxSize int64) (scanResult, error) {
	if h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeRegA { //nolint:staticcheck // old tars still use TypeRegA
		return scanResult{}, fmt.Errorf("%w: %s is a %s, %w", ErrContractNotFound, h.Name, typeName(h.Typeflag), errNotRegular)
	}
	if h.Size > maxSize {
		return scanResult{}, tooLarge(h.Size, maxSize)
	}
	data, err := io.ReadAll(io.LimitReader(tr, maxSize+1))
	if err != nil {
		return scanResult{}, fmt.Errorf("reading %s: %w", h.Name, err)
	}
	if int64(len(data)) > maxSize {
		return scanResult{}, tooLarge(int64(len(data)), maxSize)
	}
	return scanResult{verdict: present, data: data}, nil
}

func tooLarge(size, maxSize int64) error {
	return fmt.Errorf("%w: %d bytes, the cap is %d bytes", ErrContractTooLarge, size, maxSize)
}

// hides reports whether the tar entry name (absolute, clean) of the given type makes target
// invisible in lower layers: a whiteout of target or of one of its directories, an opaque
// whiteout in one of its directories, or one of its directories replaced by a non-directory
// (a file or a symlink, which this loader does not follow).
func hides(name string, typ byte, target string) bool {
	dir, base := path.Split(name)
	dir = path.Clean(dir)
	switch {
	case base == opaqueWhiteout:
		return under(target, dir)
	case strings.HasPrefix(base, whiteoutPrefix):
		deletedPath := path.Join(dir, strings.TrimPrefix(base, whiteoutPrefix))
		return deletedPath == target || under(target, deletedPath)
	default:
		return typ != tar.TypeDir && under(target, name)
	}
}

// under reports whether p lies strictly below directory dir.
func under(p, dir string) bool {
	if dir == "/" {
		return p != "/"
	}
	return strings.HasPrefix(p, dir+"/")
}

func typeName(typ byte) string {
	switch typ {
	case tar.TypeDir:
		return "directory"
	case tar.TypeSymlink:
		return "symlink"
	case tar.TypeLink:
		return "hard link"
	default:
		return fmt.Sprintf("tar entry of type %q", typ)
	}
}
