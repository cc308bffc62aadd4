package image

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
)

func TestBuildAndPublishPushesAndReturnsTheDigestReference(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	reg := registrytest.Start(t)
	ctx := context.Background()
	opts := PublishOptions{BuildOptions: inputs(t, contractYAML("git-clone", "v1.0.0")),
		Tag: reg.Host + "/actions/git-clone:v1.0.0", Push: true}

	ref, err := BuildAndPublish(ctx, opts)
	if err != nil {
		t.Fatalf("BuildAndPublish: %v", err)
	}
	local, err := Build(ctx, opts.BuildOptions)
	if err != nil {
		t.Fatal(err)
	}
	wantRef := reg.Host + "/actions/git-clone@" + mustDigest(t, local).String()
	if ref != wantRef {
		t.Errorf("digest reference = %q, want %q", ref, wantRef)
	}
	tag, _ := name.NewTag(opts.Tag)
	desc, err := remote.Head(tag)
	if err != nil {
		t.Fatalf("HEAD %s: %v", tag, err)
	}
	if desc.Digest != mustDigest(t, local) || desc.MediaType != types.OCIManifestSchema1 {
		t.Errorf("tag points at %s (%s), want %s (%s)", desc.Digest, desc.MediaType, mustDigest(t, local), types.OCIManifestSchema1)
	}
}

func TestBuildAndPublishWritesAnOCILayout(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "layout")
	opts := PublishOptions{BuildOptions: inputs(t, contractYAML("git-clone", "v1.0.0")),
		Tag: "127.0.0.1:5000/actions/git-clone:v1", OCILayout: dir}

	ref, err := BuildAndPublish(ctx, opts)
	if err != nil {
		t.Fatalf("BuildAndPublish: %v", err)
	}
	// Publishing the same tag again replaces the entry instead of adding a second one.
	if _, err := BuildAndPublish(ctx, opts); err != nil {
		t.Fatalf("BuildAndPublish again: %v", err)
	}
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatalf("reading the layout: %v", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 {
		t.Fatalf("layout has %d entries, want 1: %+v", len(im.Manifests), im.Manifests)
	}
	entry := im.Manifests[0]
	wantAnnotations := map[string]string{
		"org.opencontainers.image.ref.name": "v1",
		"io.containerd.image.name":          "127.0.0.1:5000/actions/git-clone:v1",
	}
	if diff := cmp.Diff(wantAnnotations, entry.Annotations); diff != "" {
		t.Errorf("layout annotations (-want +got):\n%s", diff)
	}
	if want := "127.0.0.1:5000/actions/git-clone@" + entry.Digest.String(); ref != want {
		t.Errorf("digest reference = %q, want %q", ref, want)
	}
	img, err := idx.Image(entry.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustConfig(t, img).Config.Labels[LabelVersion]; got != "v1.0.0" {
		t.Errorf("version label in the layout image = %q, want v1.0.0", got)
	}
}

func TestInvalidContractBuildsNothing(t *testing.T) {
	reg := registrytest.Start(t)
	dir := filepath.Join(t.TempDir(), "layout")
	opts := PublishOptions{BuildOptions: inputs(t, contractYAML("git-clone", "v1.0.0")+"unknownTopLevel: 1\n"),
		Tag: reg.Host + "/actions/broken:v1", Push: true, OCILayout: dir}

	if ref, err := BuildAndPublish(context.Background(), opts); err == nil {
		t.Fatalf("BuildAndPublish returned %q, want an error", ref)
	}
	tag, _ := name.NewTag(opts.Tag)
	var terr *transport.Error
	if _, err := remote.Head(tag); !errors.As(err, &terr) || terr.StatusCode != http.StatusNotFound {
		t.Errorf("HEAD %s after a failed build: err = %v, want 404", tag, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("layout directory exists after a failed build (stat error %v)", err)
	}
}

func TestWriteLayoutRefusesANonLayoutDirectory(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "notes.txt"), "mine", 0o644)
	tag, _ := name.NewTag("example.com/a:v1")
	err := WriteLayout(dir, empty.Image, tag)
	want := "OCI layout " + dir + ": directory is not empty and has no index.json; refusing to write into it"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestBuildAndPublishRejectsABadTag(t *testing.T) {
	opts := PublishOptions{BuildOptions: inputs(t, contractYAML("git-clone", "v1.0.0")), Tag: "Repo With Spaces:v1"}
	_, err := BuildAndPublish(context.Background(), opts)
	if err == nil || !strings.HasPrefix(err.Error(), `tag "Repo With Spaces:v1": `) {
		t.Errorf("error = %v, want one naming the tag", err)
	}
}

// pushBase pushes a Docker-typed arm64 base image with a shell-ish file, an environment and a
// label, the way images built by docker look.
func pushBase(t *testing.T, ref string) v1.Image {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range []*tar.Header{
		{Typeflag: tar.TypeDir, Name: "bin/", Mode: 0o755},
		{Typeflag: tar.TypeReg, Name: "bin/sh", Mode: 0o755, Size: 4},
	} {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tw.Write([]byte("#!sh")); err != nil {
		t.Fatal(err)
	}
	tw.Close()
	layerBytes := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerBytes)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.Append(empty.Image, mutate.Addendum{Layer: layer,
		History: v1.History{CreatedBy: "ADD rootfs /", Created: v1.Time{Time: time.Unix(100, 0).UTC()}}})
	if err != nil {
		t.Fatal(err)
	}
	cf := mustConfig(t, img).DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = "linux", "arm64", "v8"
	cf.Config.Env = []string{"PATH=/bin"}
	cf.Config.Cmd = []string{"/bin/sh"}
	cf.Config.Labels = map[string]string{"vendor": "base-maker", LabelTitle: "base"}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := name.ParseReference(ref)
	if err := remote.Write(r, img); err != nil {
		t.Fatalf("pushing the base: %v", err)
	}
	return img
}

func TestBuildOnABaseImage(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	reg := registrytest.Start(t)
	ctx := context.Background()
	base := pushBase(t, reg.Host+"/base/shell:1.0")
	opts := inputs(t, contractYAML("git-clone", "v1.0.0"))
	opts.Base = reg.Host + "/base/shell:1.0"

	img, err := Build(ctx, opts)
	if err != nil {
		t.Fatalf("Build on a base: %v", err)
	}
	cf := mustConfig(t, img)
	gotConfig := []any{cf.OS, cf.Architecture, cf.Variant, cf.Config.Env, cf.Config.Cmd, cf.Config.Entrypoint, cf.Config.User, cf.Config.Labels}
	wantConfig := []any{"linux", "arm64", "v8", []string{"PATH=/bin"}, []string(nil), []string{"/action-entrypoint"}, "65532:65532",
		map[string]string{
			"vendor":                               "base-maker",
			"org.opencontainers.image.title":       "git-clone",
			"org.opencontainers.image.version":     "v1.0.0",
			"org.opencontainers.image.base.name":   reg.Host + "/base/shell:1.0",
			"org.opencontainers.image.base.digest": mustDigest(t, base).String(),
			"ai.kubernaut.action.name":             "git-clone",
			"ai.kubernaut.action.contract-path":    "/action-contract.yaml",
		}}
	if diff := cmp.Diff(wantConfig, gotConfig); diff != "" {
		t.Errorf("os, arch, variant, env, cmd, entrypoint, user, labels (-want +got):\n%s", diff)
	}
	var createdBy []string
	for _, h := range cf.History {
		createdBy = append(createdBy, h.CreatedBy)
	}
	if diff := cmp.Diff([]string{"ADD rootfs /", "kubernaut action build"}, createdBy); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}

	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	baseLayers := mustLayers(t, base)
	baseDigest, _ := baseLayers[0].Digest()
	if len(m.Layers) != 2 || m.Layers[0].Digest != baseDigest {
		t.Fatalf("layers = %+v, want the base layer %s then the action layer", m.Layers, baseDigest)
	}
	for i, l := range m.Layers {
		if l.MediaType != types.OCILayer {
			t.Errorf("layer %d media type = %s, want %s", i, l.MediaType, types.OCILayer)
		}
	}

	// The result pushes (the base blob is copied) and pulls back with the same digest.
	tag, _ := name.NewTag(reg.Host + "/actions/on-base:v1")
	pushed, err := Push(ctx, img, tag)
	if err != nil {
		t.Fatalf("Push: %v", err)
	}
	pulled, err := remote.Image(pushed)
	if err != nil {
		t.Fatalf("pulling %s: %v", pushed, err)
	}
	if mustDigest(t, pulled) != mustDigest(t, img) {
		t.Errorf("pulled digest %s, want %s", mustDigest(t, pulled), mustDigest(t, img))
	}
}

func TestBuildRefusesABaseOfAnotherArchitecture(t *testing.T) {
	reg := registrytest.Start(t)
	pushBase(t, reg.Host+"/base/shell:1.0")
	opts := inputs(t, contractYAML("git-clone", "v1.0.0"))
	opts.Base = reg.Host + "/base/shell:1.0"
	opts.Architecture = "amd64"
	_, err := Build(context.Background(), opts)
	want := "base image " + reg.Host + "/base/shell:1.0 is for arm64, but architecture amd64 was asked for"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}
