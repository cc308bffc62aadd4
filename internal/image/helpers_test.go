package image

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1"
)

// contractYAML is the seed's git-clone contract with a variable name and version.
func contractYAML(name, version string) string {
	return fmt.Sprintf(`apiVersion: kubernaut.ai/v1alpha1
kind: ActionContract
metadata:
  name: %s
  version: %s
spec:
  description: "Clone Git repository to workspace"
  inputs:
    - name: repository
      type: string
      required: true
      description: "Git repository URL"
    - name: branch
      type: string
      required: false
      default: "main"
  outputs:
    - name: commitSHA
      type: string
      description: "Cloned commit SHA"
  resources:
    requests:
      cpu: "100m"
      memory: "128Mi"
    limits:
      cpu: "500m"
      memory: "512Mi"
  rbac:
    permissions: []
  securityContext:
    runAsNonRoot: true
    allowPrivilegeEscalation: false
    capabilities:
      drop:
        - ALL
`, name, version)
}

const entrypointScript = "#!/bin/sh\necho '{\"commitSHA\":\"abc\"}'\n"

// inputs writes an entrypoint and a contract into a fresh directory and returns BuildOptions
// naming them, with the epoch left to the default.
func inputs(t *testing.T, contract string) BuildOptions {
	t.Helper()
	dir := t.TempDir()
	opts := BuildOptions{
		EntrypointFile: filepath.Join(dir, "entrypoint.sh"),
		ContractFile:   filepath.Join(dir, "action-contract.yaml"),
	}
	writeFile(t, opts.EntrypointFile, entrypointScript, 0o644)
	writeFile(t, opts.ContractFile, contract, 0o644)
	return opts
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// tarEntry is what a test checks about one layer entry.
type tarEntry struct {
	Name     string
	Type     byte
	Mode     int64
	UID, GID int
	ModTime  time.Time
	Content  string
}

func layerEntries(t *testing.T, layer v1.Layer) []tarEntry {
	t.Helper()
	rc, err := layer.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var out []tarEntry
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		var content bytes.Buffer
		if _, err := io.Copy(&content, tr); err != nil {
			t.Fatal(err)
		}
		out = append(out, tarEntry{Name: h.Name, Type: h.Typeflag, Mode: h.Mode, UID: h.Uid, GID: h.Gid,
			ModTime: h.ModTime.UTC(), Content: content.String()})
	}
}

func mustDigest(t *testing.T, img v1.Image) v1.Hash {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustConfig(t *testing.T, img v1.Image) *v1.ConfigFile {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	return cf
}

func mustLayers(t *testing.T, img v1.Image) []v1.Layer {
	t.Helper()
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	return ls
}
