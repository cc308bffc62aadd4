package imagecontract

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1"

	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
)

// Layer fixtures shared by the loader tables.
var (
	validContract  = contractYAML("scale", "v1.0.0")
	newerContract  = contractYAML("scale", "v2.0.0")
	tenMiBContract = validContract + strings.Repeat("#", 10<<20)
)

func unrelatedLayer(t *testing.T) v1.Layer {
	return gzipLayer(t, dir("usr/"), file("usr/readme", "unrelated"))
}

func TestLoadFindsTheUppermostContract(t *testing.T) {
	tests := []struct {
		name        string
		layers      func(t *testing.T) []v1.Layer
		path        string
		wantLayer   int
		wantVersion string
	}{
		{
			name: "the contract in the top layer",
			layers: func(t *testing.T) []v1.Layer {
				return []v1.Layer{unrelatedLayer(t), gzipLayer(t, file("action-contract.yaml", validContract))}
			},
			wantLayer:   1,
			wantVersion: "v1.0.0",
		},
		{
			name: "the contract in a lower layer under unrelated top layers",
			layers: func(t *testing.T) []v1.Layer {
				return []v1.Layer{gzipLayer(t, file("action-contract.yaml", validContract)), unrelatedLayer(t), unrelatedLayer(t)}
			},
			wantLayer:   0,
			wantVersion: "v1.0.0",
		},
		{
			name: "an upper layer's contract replaces a lower one",
			layers: func(t *testing.T) []v1.Layer {
				return []v1.Layer{gzipLayer(t, file("action-contract.yaml", validContract)), gzipLayer(t, file("action-contract.yaml", newerContract))}
			},
			wantLayer:   1,
			wantVersion: "v2.0.0",
		},
		{
			name: "tar names written with a ./ prefix",
			layers: func(t *testing.T) []v1.Layer {
				return []v1.Layer{gzipLayer(t, dir("./"), file("./action-contract.yaml", validContract))}
			},
			wantLayer:   0,
			wantVersion: "v1.0.0",
		},
		{
			name: "a configured path in a directory",
			layers: func(t *testing.T) []v1.Layer {
				return []v1.Layer{gzipLayer(t, dir("etc/"), dir("etc/kubernaut/"), file("etc/kubernaut/contract.yaml", validContract))}
			},
			path:        "etc/kubernaut/contract.yaml",
			wantLayer:   0,
			wantVersion: "v1.0.0",
		},
		{
			name: "a file and its whiteout in the same layer: the file survives",
			layers: func(t *testing.T) []v1.Layer {
				return []v1.Layer{gzipLayer(t, file("action-contract.yaml", validContract)),
					gzipLayer(t, file(".wh..wh..opq", ""), file("action-contract.yaml", newerContract))}
			},
			wantLayer:   1,
			wantVersion: "v2.0.0",
		},
		{
			name: "a whiteout of a sibling does not delete the contract",
			layers: func(t *testing.T) []v1.Layer {
				return []v1.Layer{gzipLayer(t, file("action-contract.yaml", validContract)), gzipLayer(t, file(".wh.action-contract.yaml.bak", ""))}
			},
			wantLayer:   0,
			wantVersion: "v1.0.0",
		},
	}
	reg := registrytest.Start(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref := push(t, reg.Host, "loader/found", imageOf(t, tt.layers(t)...))
			got, err := NewLoader(Options{}).Load(context.Background(), ref, tt.path)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			gotSummary := []any{got.LayerIndex, got.Contract.Metadata.Version, got.Digest.String()}
			wantSummary := []any{tt.wantLayer, tt.wantVersion, ref.DigestStr()}
			if diff := cmp.Diff(wantSummary, gotSummary); diff != "" {
				t.Errorf("layer index, version, digest (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadRefusesImagesWithoutAUsableContract(t *testing.T) {
	tenMiBContract := validContract + strings.Repeat("#", 10<<20)
	tests := []struct {
		name    string
		layers  func(t *testing.T) []v1.Layer
		path    string
		wantErr error
		wantMsg string // a part of the error message
	}{
		{
			name: "deleted by a whiteout in an upper layer",
			layers: func(t *testing.T) []v1.Layer {
				return []v1.Layer{gzipLayer(t, file("action-contract.yaml", validContract)), gzipLayer(t, file(".wh.action-contract.yaml", "")), unrelatedLayer(t)}
			},
			wantErr: ErrContractWhiteout,
			wantMsg: "contract deleted by a whiteout in layer 1 (",
		},
		{
			name: "deleted by an opaque whiteout of the root",
			layers: func(t *testing.T) []v1.Layer {
				return []v1.Layer{gzipLayer(t, file("action-contract.yaml", validContract)), gzipLayer(t, file("./.wh..wh..opq", ""))}
			},
			wantErr: ErrContractWhiteout,
			wantMsg: "./.wh..wh..opq hides /action-contract.yaml",
		},
		{
			name: "deleted by an opaque whiteout of a parent directory",
			layers: func(t *testing.T) []v1.Layer {
				return []v1.Layer{gzipLayer(t, dir("etc/"), dir("etc/kubernaut/"), file("etc/kubernaut/contract.yaml", validContract)),
					gzipLayer(t, dir("etc/"), file("etc/.wh..wh..opq", ""))}
			},
			path:    "/etc/kubernaut/contract.yaml",
			wantErr: ErrContractWhiteout,
			wantMsg: "etc/.wh..wh..opq hides /etc/kubernaut/contract.yaml",
		},
		{
			name: "deleted with its directory",
			layers: func(t *testing.T) []v1.Layer {
				return []v1.Layer{gzipLayer(t, dir("etc/"), dir("etc/kubernaut/"), file("etc/kubernaut/contract.yaml", validContract)),
					gzipLayer(t, dir("etc/"), file("etc/.wh.kubernaut", ""))}
			},
			path:    "/etc/kubernaut/contract.yaml",
			wantErr: ErrContractWhiteout,
			wantMsg: "etc/.wh.kubernaut hides /etc/kubernaut/contract.yaml",
		},
		{
			name:    "no contract in the image",
			layers:  func(t *testing.T) []v1.Layer { return []v1.Layer{unrelatedLayer(t), unrelatedLayer(t)} },
			wantErr: ErrContractNotFound,
			wantMsg: "no contract in the image: /action-contract.yaml is in none of its 2 layers",
		},
		{
			name: "the contract path is a symlink",
			layers: func(t *testing.T) []v1.Layer {
				return []v1.Layer{gzipLayer(t, file("real.yaml", validContract), symlink("action-contract.yaml", "real.yaml"))}
			},
			wantErr: ErrContractNotFound,
			wantMsg: "action-contract.yaml is a symlink, not a regular file",
		},
		{
			name: "a 10 MiB contract",
			layers: func(t *testing.T) []v1.Layer {
				return []v1.Layer{gzipLayer(t, file("action-contract.yaml", tenMiBContract))}
			},
			wantErr: ErrContractTooLarge,
			wantMsg: fmt.Sprintf("contract is larger than the size cap: %d bytes, the cap is 1048576 bytes", len(tenMiBContract)),
		},
		{
			name: "an invalid contract",
			layers: func(t *testing.T) []v1.Layer {
				return []v1.Layer{gzipLayer(t, file("action-contract.yaml", "kind: Deployment\n"))}
			},
			wantErr: ErrInvalidContract,
			wantMsg: "invalid contract at /action-contract.yaml in layer 0: ",
		},
	}
	reg := registrytest.Start(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref := push(t, reg.Host, "loader/refused", imageOf(t, tt.layers(t)...))
			_, err := NewLoader(Options{}).Load(context.Background(), ref, tt.path)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want one wrapping %q", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) || !strings.Contains(err.Error(), ref.DigestStr()) {
				t.Errorf("error = %q, want it to name the image digest and contain %q", err, tt.wantMsg)
			}
		})
	}
}

func TestLoadAcceptsALargerConfiguredCap(t *testing.T) {
	reg := registrytest.Start(t)
	big := contractYAML("scale", "v1.0.0") + strings.Repeat("#", 2000)
	ref := push(t, reg.Host, "loader/cap", imageOf(t, gzipLayer(t, file("action-contract.yaml", big))))
	_, err := NewLoader(Options{MaxSize: 1000}).Load(context.Background(), ref, "")
	if !errors.Is(err, ErrContractTooLarge) {
		t.Fatalf("with a 1000-byte cap: error = %v, want ErrContractTooLarge", err)
	}
	got, err := NewLoader(Options{MaxSize: 4000}).Load(context.Background(), ref, "")
	if err != nil {
		t.Fatalf("with a 4000-byte cap: %v", err)
	}
	if string(got.Raw) != big {
		t.Errorf("raw contract is %d bytes, want the %d stored", len(got.Raw), len(big))
	}
}

func TestLoadRejectsTheRootAsPath(t *testing.T) {
	reg := registrytest.Start(t)
	ref := push(t, reg.Host, "loader/root", imageOf(t, gzipLayer(t, file("x", "y"))))
	_, err := NewLoader(Options{}).Load(context.Background(), ref, "/./")
	if err == nil || err.Error() != "contract path: names the root directory, not a file" {
		t.Errorf("error = %v, want the root-path error", err)
	}
}
