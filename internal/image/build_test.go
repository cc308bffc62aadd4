package image

import (
	"archive/tar"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func TestBuildIsReproducible(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	ctx := context.Background()
	opts := inputs(t, contractYAML("git-clone", "v1.0.0"))
	first, err := Build(ctx, opts)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	second, err := Build(ctx, opts)
	if err != nil {
		t.Fatalf("Build again: %v", err)
	}
	if a, b := mustDigest(t, first), mustDigest(t, second); a != b {
		t.Fatalf("same inputs gave digests %s and %s", a, b)
	}

	otherContract := inputs(t, contractYAML("git-clone", "v1.0.1"))
	epoch := time.Unix(1700000000, 0)
	otherEpoch := opts
	otherEpoch.Epoch = &epoch
	for name, o := range map[string]BuildOptions{"another contract": otherContract, "another epoch": otherEpoch} {
		img, err := Build(ctx, o)
		if err != nil {
			t.Fatalf("Build with %s: %v", name, err)
		}
		if mustDigest(t, img) == mustDigest(t, first) {
			t.Errorf("Build with %s gave the same digest %s", name, mustDigest(t, first))
		}
	}
}

func TestSourceDateEpochFixesEveryTimestamp(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	img, err := Build(context.Background(), inputs(t, contractYAML("git-clone", "v1.0.0")))
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	want := time.Unix(1700000000, 0).UTC()
	cf := mustConfig(t, img)
	if !cf.Created.Time.Equal(want) || !cf.History[0].Created.Time.Equal(want) {
		t.Errorf("created = %v, history created = %v, want %v", cf.Created.Time, cf.History[0].Created.Time, want)
	}
	for _, e := range layerEntries(t, mustLayers(t, img)[0]) {
		if !e.ModTime.Equal(want) {
			t.Errorf("%s: mtime %v, want %v", e.Name, e.ModTime, want)
		}
	}
}

func TestBuildOnScratchSetsTheActionConfig(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	img, err := Build(context.Background(), inputs(t, contractYAML("git-clone", "v1.0.0")))
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	cf := mustConfig(t, img)
	epoch := v1.Time{Time: time.Unix(0, 0).UTC()}
	want := &v1.ConfigFile{
		Architecture: "amd64",
		OS:           "linux",
		Created:      epoch,
		RootFS:       v1.RootFS{Type: "layers", DiffIDs: cf.RootFS.DiffIDs},
		History: []v1.History{{
			Created:   epoch,
			CreatedBy: "kubernaut action build",
			Comment:   "action git-clone v1.0.0: /action-entrypoint and /action-contract.yaml",
		}},
		Config: v1.Config{
			Entrypoint: []string{"/action-entrypoint"},
			User:       "65532:65532",
			Labels: map[string]string{
				"org.opencontainers.image.title":    "git-clone",
				"org.opencontainers.image.version":  "v1.0.0",
				"ai.kubernaut.action.name":          "git-clone",
				"ai.kubernaut.action.contract-path": "/action-contract.yaml",
			},
		},
	}
	if diff := cmp.Diff(want, cf); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	if len(cf.RootFS.DiffIDs) != 1 {
		t.Errorf("diff ids = %v, want exactly one layer", cf.RootFS.DiffIDs)
	}

	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	gotTypes := []types.MediaType{m.MediaType, m.Config.MediaType}
	for _, l := range m.Layers {
		gotTypes = append(gotTypes, l.MediaType)
	}
	wantTypes := []types.MediaType{types.OCIManifestSchema1, types.OCIConfigJSON, types.OCILayer}
	if diff := cmp.Diff(wantTypes, gotTypes); diff != "" {
		t.Errorf("media types (manifest, config, layers) (-want +got):\n%s", diff)
	}
}

func TestBuildWritesOneLayerWithEntrypointContractAndTmp(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	contract := contractYAML("git-clone", "v1.0.0")
	img, err := Build(context.Background(), inputs(t, contract))
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	layers := mustLayers(t, img)
	if len(layers) != 1 {
		t.Fatalf("%d layers, want 1", len(layers))
	}
	epoch := time.Unix(0, 0).UTC()
	want := []tarEntry{
		{Name: "action-contract.yaml", Type: tar.TypeReg, Mode: 0o644, ModTime: epoch, Content: contract},
		{Name: "action-entrypoint", Type: tar.TypeReg, Mode: 0o755, ModTime: epoch, Content: entrypointScript},
		{Name: "tmp/", Type: tar.TypeDir, Mode: 0o1777, ModTime: epoch},
	}
	if diff := cmp.Diff(want, layerEntries(t, layers[0])); diff != "" {
		t.Errorf("layer entries (-want +got):\n%s", diff)
	}
}

func TestBuildPutsTheContractWhereAsked(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	opts := inputs(t, contractYAML("git-clone", "v1.0.0"))
	opts.ContractPath = "/etc/kubernaut/contract.yaml"
	img, err := Build(context.Background(), opts)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	var names []string
	for _, e := range layerEntries(t, mustLayers(t, img)[0]) {
		names = append(names, e.Name)
	}
	wantNames := []string{"action-entrypoint", "etc/", "etc/kubernaut/", "etc/kubernaut/contract.yaml", "tmp/"}
	if diff := cmp.Diff(wantNames, names); diff != "" {
		t.Errorf("layer entries (-want +got):\n%s", diff)
	}
	if got := mustConfig(t, img).Config.Labels[LabelContractPath]; got != opts.ContractPath {
		t.Errorf("contract-path label = %q, want %q", got, opts.ContractPath)
	}
}

func TestBuildRejectsBadInputs(t *testing.T) {
	valid := contractYAML("git-clone", "v1.0.0")
	tests := []struct {
		name     string
		change   func(t *testing.T, o *BuildOptions)
		epochEnv string
		wantErr  string
		wantIs   error
		wantAlso string // a detail the message must carry, such as the field path
	}{
		{
			name:     "a contract with an unknown field",
			change:   func(t *testing.T, o *BuildOptions) { writeFile(t, o.ContractFile, valid+"  bogus: true\n", 0o644) },
			wantErr:  "contract file ",
			wantAlso: "spec.bogus",
		},
		{
			name:    "a contract that is not YAML",
			change:  func(t *testing.T, o *BuildOptions) { writeFile(t, o.ContractFile, "metadata: [unclosed\n", 0o644) },
			wantErr: "contract file ",
		},
		{
			name:    "a missing contract file",
			change:  func(t *testing.T, o *BuildOptions) { o.ContractFile += ".missing" },
			wantErr: "contract file: open ",
			wantIs:  fs.ErrNotExist,
		},
		{
			name:    "a missing entrypoint",
			change:  func(t *testing.T, o *BuildOptions) { o.EntrypointFile += ".missing" },
			wantErr: "entrypoint file: stat ",
			wantIs:  fs.ErrNotExist,
		},
		{
			name:    "an entrypoint that is a directory",
			change:  func(t *testing.T, o *BuildOptions) { o.EntrypointFile = filepath.Dir(o.EntrypointFile) },
			wantErr: "entrypoint file ",
		},
		{
			name:    "a relative contract path",
			change:  func(t *testing.T, o *BuildOptions) { o.ContractPath = "action-contract.yaml" },
			wantErr: `contract path "action-contract.yaml": must be an absolute, clean path such as "/action-contract.yaml"`,
		},
		{
			name:    "a contract path under /tmp",
			change:  func(t *testing.T, o *BuildOptions) { o.ContractPath = "/tmp/contract.yaml" },
			wantErr: `contract path "/tmp/contract.yaml": /tmp is an emptyDir in action pods and would hide the contract`,
		},
		{
			name:    "the contract on the entrypoint",
			change:  func(t *testing.T, o *BuildOptions) { o.ContractPath = "/action-entrypoint" },
			wantErr: `contract path "/action-entrypoint": collides with the root or the entrypoint`,
		},
		{
			name:     "a SOURCE_DATE_EPOCH that is not a number",
			epochEnv: "yesterday",
			wantErr:  `SOURCE_DATE_EPOCH="yesterday": want a non-negative number of seconds since the Unix epoch`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SOURCE_DATE_EPOCH", tt.epochEnv)
			opts := inputs(t, valid)
			if tt.change != nil {
				tt.change(t, &opts)
			}
			img, err := Build(context.Background(), opts)
			if err == nil {
				t.Fatalf("Build succeeded with digest %s, want an error", mustDigest(t, img))
			}
			if !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Errorf("error = %q, want it to start with %q", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantAlso) {
				t.Errorf("error = %q, want it to mention %q", err, tt.wantAlso)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.wantIs)
			}
		})
	}
}

func TestEntrypointMayBeASymlinkToAFile(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	opts := inputs(t, contractYAML("git-clone", "v1.0.0"))
	link := filepath.Join(filepath.Dir(opts.EntrypointFile), "link")
	if err := os.Symlink(opts.EntrypointFile, link); err != nil {
		t.Fatal(err)
	}
	direct, err := Build(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.EntrypointFile = link
	viaLink, err := Build(context.Background(), opts)
	if err != nil {
		t.Fatalf("Build through a symlink: %v", err)
	}
	if mustDigest(t, direct) != mustDigest(t, viaLink) {
		t.Errorf("a symlinked entrypoint gave another digest")
	}
}
