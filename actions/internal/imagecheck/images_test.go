package imagecheck

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/kubernaut/kubernaut/internal/catalog"
	"github.com/kubernaut/kubernaut/internal/image"
	"github.com/kubernaut/kubernaut/internal/imagecontract"
	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
)

// TestEveryActionBuildsIntoAnImageThatCarriesItsContract builds each action once with the
// project's builder, pushes it to a registry on 127.0.0.1, reads the contract back the way the
// controller does (imagecontract, by digest) and checks that it is the file in the source tree,
// byte for byte, and that the entrypoint is a static binary (scratch has no dynamic loader).
// Compiling costs CPU, so the actions are built one after another and only here. The sizes are
// logged (go test -v -run TestEveryActionBuilds ./actions/internal/imagecheck/).
func TestEveryActionBuildsIntoAnImageThatCarriesItsContract(t *testing.T) {
	actions, err := catalog.Discover(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	checkCatalogue(t, actions)
	reg := registrytest.Start(t)
	loader := imagecontract.NewLoader(imagecontract.Options{})
	ctx := context.Background()
	var total int64
	for _, a := range actions {
		t.Run(a.Type, func(t *testing.T) {
			img, err := image.BuildGoAction(ctx, a.Dir, a.ContractFile, image.BuildOptions{})
			if err != nil {
				t.Fatalf("build: %v", err)
			}
			tag, err := name.NewTag(reg.Host + "/actions/" + a.Contract.Metadata.Name + ":" + a.Contract.Metadata.Version)
			if err != nil {
				t.Fatal(err)
			}
			digest, err := image.Push(ctx, img, tag)
			if err != nil {
				t.Fatalf("push: %v", err)
			}
			loaded, err := loader.Load(ctx, digest, "")
			if err != nil {
				t.Fatalf("read the contract from %s: %v", digest, err)
			}
			want, err := os.ReadFile(a.ContractFile)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(loaded.Raw, want) {
				t.Errorf("the image's contract differs from %s:\n%s", a.ContractFile, loaded.Raw)
			}
			checkLabels(t, img, a)
			if want := strings.ReplaceAll(filepath.Base(a.Dir), "_", "-"); a.Contract.Metadata.Name != want {
				t.Errorf("%s: metadata.name is %q; the convention (docs/actions.md) makes it %q", a.ContractFile, a.Contract.Metadata.Name, want)
			}
			checkStaticEntrypoint(t, img)
			size := imageSize(t, img)
			total += size
			t.Logf("%s: %s, %d bytes (%.1f MiB) compressed", a.Type, digest.DigestStr(), size, float64(size)/(1<<20))
		})
	}
	t.Logf("all %d actions: %d bytes (%.1f MiB) compressed", len(actions), total, float64(total)/(1<<20))
}

// repoRoot is the repository, seen from this package.
var repoRoot = filepath.Join("..", "..", "..")

// documentedHere are the groups of actions that docs/actions.md catalogues: every group, since
// the git actions joined the page; a new group is added here when its rows are written.
var documentedHere = map[string]bool{"kubernetes": true, "git": true}

// checkCatalogue fails unless the catalogue that internal/catalog discovers is the whole
// actions tree and the documentation lists all of it. Discover only finds directories with a
// contract, so a Go main package without one (a forgotten or misnamed action-contract.yaml)
// would be left out of the registry silently; and an action of a group that docs/actions.md
// catalogues but does not list in its overview and size table is one that workflow authors
// cannot find.
func checkCatalogue(t *testing.T, actions []catalog.Action) {
	t.Helper()
	found := map[string]bool{}
	for _, a := range actions {
		found[a.Type] = true
	}
	mains, err := filepath.Glob(filepath.Join(repoRoot, "actions", "*", "*", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mains {
		dir := filepath.Dir(m)
		group, name := filepath.Base(filepath.Dir(dir)), filepath.Base(dir)
		if group == "internal" || group == "testdata" {
			continue
		}
		if typ := group + "/" + name; !found[typ] {
			t.Errorf("%s is a Go action without a contract the catalogue accepts; found %v", dir, found)
		}
	}
	doc, err := os.ReadFile(filepath.Join(repoRoot, "docs", "actions.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range actions {
		if !documentedHere[strings.SplitN(a.Type, "/", 2)[0]] {
			continue
		}
		anchor := "(#" + strings.ReplaceAll(a.Type, "/", "") + ")"
		if !strings.Contains(string(doc), "| [`"+a.Type+"`]"+anchor) {
			t.Errorf("docs/actions.md's overview table lacks a row for %s", a.Type)
		}
		if !strings.Contains(string(doc), "| `"+a.Type+"` | ") {
			t.Errorf("docs/actions.md's image-size table lacks a row for %s", a.Type)
		}
	}
}

func checkLabels(t *testing.T, img v1.Image, a catalog.Action) {
	t.Helper()
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	labels := cfg.Config.Labels
	if labels[image.LabelActionName] != a.Contract.Metadata.Name || labels[image.LabelVersion] != a.Contract.Metadata.Version {
		t.Errorf("labels %v do not name %s %s", labels, a.Contract.Metadata.Name, a.Contract.Metadata.Version)
	}
}

// checkStaticEntrypoint fails unless the image's entrypoint is an ELF binary without an
// interpreter (PT_INTERP), which is what a static binary is.
func checkStaticEntrypoint(t *testing.T, img v1.Image) {
	t.Helper()
	binary := fileInImage(t, img, strings.TrimPrefix(image.EntrypointPath, "/"))
	f, err := elf.NewFile(bytes.NewReader(binary))
	if err != nil {
		t.Fatalf("the entrypoint is not an ELF binary: %v", err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("the entrypoint is dynamically linked (it has PT_INTERP); the scratch image has no loader")
		}
	}
}

// fileInImage returns the content of path in the image's flattened file system.
func fileInImage(t *testing.T, img v1.Image, path string) []byte {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			t.Fatalf("%s is not in the image", path)
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimPrefix(hdr.Name, "/") == path {
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
	}
}

// imageSize is what a pull transfers: the compressed layers, the config and the manifest.
func imageSize(t *testing.T, img v1.Image) int64 {
	t.Helper()
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := img.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	size := m.Config.Size + int64(len(raw))
	for _, l := range m.Layers {
		size += l.Size
	}
	return size
}
