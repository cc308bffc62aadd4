package imagecontract

import (
	"archive/tar"
	"testing"
)

func TestHides(t *testing.T) {
	tests := []struct {
		name, entry string
		typ         byte
		target      string
		want        bool
	}{
		{"a whiteout of the file", "/.wh.action-contract.yaml", tar.TypeReg, "/action-contract.yaml", true},
		{"a whiteout of a sibling", "/.wh.action-contract.yml", tar.TypeReg, "/action-contract.yaml", false},
		{"an opaque whiteout of the root", "/.wh..wh..opq", tar.TypeReg, "/action-contract.yaml", true},
		{"an opaque whiteout of the parent", "/etc/.wh..wh..opq", tar.TypeReg, "/etc/k/contract.yaml", true},
		{"an opaque whiteout of another directory", "/usr/.wh..wh..opq", tar.TypeReg, "/etc/contract.yaml", false},
		{"an opaque whiteout of a directory whose name is a prefix", "/et/.wh..wh..opq", tar.TypeReg, "/etc/contract.yaml", false},
		{"a whiteout of an ancestor directory", "/etc/.wh.k", tar.TypeReg, "/etc/k/contract.yaml", true},
		{"a whiteout inside a sibling directory", "/etc/k2/.wh.contract.yaml", tar.TypeReg, "/etc/k/contract.yaml", false},
		{"an ancestor replaced by a symlink", "/etc", tar.TypeSymlink, "/etc/contract.yaml", true},
		{"an ancestor that is still a directory", "/etc", tar.TypeDir, "/etc/contract.yaml", false},
		{"an unrelated file", "/etc/passwd", tar.TypeReg, "/etc/contract.yaml", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hides(tt.entry, tt.typ, tt.target); got != tt.want {
				t.Errorf("hides(%q, %q, %q) = %v, want %v", tt.entry, tt.typ, tt.target, got, tt.want)
			}
		})
	}
}

func TestNormalizePath(t *testing.T) {
	for in, want := range map[string]string{
		"":                         "/action-contract.yaml",
		"action-contract.yaml":     "/action-contract.yaml",
		"./action-contract.yaml":   "/action-contract.yaml",
		"/etc//k/../contract.yaml": "/etc/contract.yaml",
		"../../escape.yaml":        "/escape.yaml",
	} {
		got, err := normalizePath(in)
		if err != nil || got != want {
			t.Errorf("normalizePath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
