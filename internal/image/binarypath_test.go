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

func TestBuildBinaryAtPlacesTheBinaryWhereKoWouldWithItsEnvironment(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	binary := filepath.Join(t.TempDir(), "controller")
	writeFile(t, binary, "#!/bin/sh\necho controller\n", 0o755)
	place := BinaryPlacement{Path: "/ko-app/controller", Env: []string{"KO_DATA_PATH=/var/run/ko", "SSL_CERT_DIR=/etc/ssl/certs"}}
	img, err := BuildBinaryAt(context.Background(), binary, place, BuildOptions{})
	if err != nil {
		t.Fatalf("BuildBinaryAt: %v", err)
	}
	cf := mustConfig(t, img)
	epoch := time.Unix(0, 0).UTC()
	want := &v1.ConfigFile{
		Architecture: "amd64",
		OS:           "linux",
		Created:      v1.Time{Time: epoch},
		RootFS:       v1.RootFS{Type: "layers", DiffIDs: cf.RootFS.DiffIDs},
		History:      []v1.History{{Created: v1.Time{Time: epoch}, CreatedBy: "kubernaut binary build", Comment: "/ko-app/controller"}},
		Config: v1.Config{
			Entrypoint: []string{"/ko-app/controller"},
			Env:        []string{"KO_DATA_PATH=/var/run/ko", "SSL_CERT_DIR=/etc/ssl/certs"},
			User:       "65532:65532",
			Labels:     map[string]string{"org.opencontainers.image.title": "controller"},
		},
	}
	if diff := cmp.Diff(want, cf); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	wantEntries := []tarEntry{
		{Name: "ko-app/", Type: tar.TypeDir, Mode: 0o755, ModTime: epoch},
		{Name: "ko-app/controller", Type: tar.TypeReg, Mode: 0o755, ModTime: epoch, Content: "#!/bin/sh\necho controller\n"},
		{Name: "tmp/", Type: tar.TypeDir, Mode: 0o1777, ModTime: epoch},
	}
	if diff := cmp.Diff(wantEntries, layerEntries(t, mustLayers(t, img)[0])); diff != "" {
		t.Errorf("layer entries (-want +got):\n%s", diff)
	}
	again, err := BuildBinaryAt(context.Background(), binary, place, BuildOptions{})
	if err != nil {
		t.Fatalf("BuildBinaryAt again: %v", err)
	}
	if mustDigest(t, img) != mustDigest(t, again) {
		t.Errorf("rebuilding the same binary changed the digest")
	}
}

func TestBuildBinaryAtRefusesPlacementsThatCannotWork(t *testing.T) {
	binary := filepath.Join(t.TempDir(), "controller")
	writeFile(t, binary, "x", 0o755)
	for _, tc := range []struct {
		name  string
		place BinaryPlacement
	}{
		{"a relative path is refused", BinaryPlacement{Path: "ko-app/controller"}},
		{"an unclean path is refused", BinaryPlacement{Path: "/ko-app/../controller"}},
		{"the root is refused", BinaryPlacement{Path: "/"}},
		{"a path under /tmp is refused", BinaryPlacement{Path: "/tmp/controller"}},
		{"an environment entry without a value separator is refused", BinaryPlacement{Path: "/ko-app/c", Env: []string{"KO_DATA_PATH"}}},
		{"an environment entry without a name is refused", BinaryPlacement{Path: "/ko-app/c", Env: []string{"=x"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := BuildBinaryAt(context.Background(), binary, tc.place, BuildOptions{}); err == nil {
				t.Errorf("BuildBinaryAt(%+v) succeeded", tc.place)
			}
		})
	}
}
