package image

import (
	"archive/tar"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1"
)

func TestBuildBinaryMakesANonRootImageWithTheBinaryAsEntrypoint(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	binary := filepath.Join(t.TempDir(), "manager")
	writeFile(t, binary, "#!/bin/sh\necho manager\n", 0o755)
	img, err := BuildBinary(context.Background(), binary, BuildOptions{})
	if err != nil {
		t.Fatalf("BuildBinary: %v", err)
	}
	cf := mustConfig(t, img)
	epoch := time.Unix(0, 0).UTC()
	want := &v1.ConfigFile{
		Architecture: "amd64",
		OS:           "linux",
		Created:      v1.Time{Time: epoch},
		RootFS:       v1.RootFS{Type: "layers", DiffIDs: cf.RootFS.DiffIDs},
		History:      []v1.History{{Created: v1.Time{Time: epoch}, CreatedBy: "kubernaut binary build", Comment: "/manager"}},
		Config: v1.Config{
			Entrypoint: []string{"/manager"},
			User:       "65532:65532",
			Labels:     map[string]string{"org.opencontainers.image.title": "manager"},
		},
	}
	if diff := cmp.Diff(want, cf); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	layers := mustLayers(t, img)
	if len(layers) != 1 {
		t.Fatalf("%d layers, want 1", len(layers))
	}
	wantEntries := []tarEntry{
		{Name: "manager", Type: tar.TypeReg, Mode: 0o755, ModTime: epoch, Content: "#!/bin/sh\necho manager\n"},
		{Name: "tmp/", Type: tar.TypeDir, Mode: 0o1777, ModTime: epoch},
	}
	if diff := cmp.Diff(wantEntries, layerEntries(t, layers[0])); diff != "" {
		t.Errorf("layer entries (-want +got):\n%s", diff)
	}
	again, err := BuildBinary(context.Background(), binary, BuildOptions{})
	if err != nil {
		t.Fatalf("BuildBinary again: %v", err)
	}
	if mustDigest(t, img) != mustDigest(t, again) {
		t.Errorf("rebuilding the same binary changed the digest")
	}
}

func TestBuildBinaryRefusesAMissingBinary(t *testing.T) {
	if _, err := BuildBinary(context.Background(), filepath.Join(t.TempDir(), "absent"), BuildOptions{}); err == nil {
		t.Fatal("BuildBinary of a missing file succeeded")
	}
}
