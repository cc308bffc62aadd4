package workspace

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRelPath(t *testing.T) {
	tests := []struct {
		in, want, wantErr string
		allowRoot         bool
	}{
		{in: "diagnostics", want: "diagnostics"},
		{in: "runs/1/diag/", want: "runs/1/diag"},
		{in: "./a//b", want: "a/b"},
		{in: "a..b", want: "a..b"},
		{in: ".", allowRoot: true, want: "."},
		{in: ".", wantErr: "is the workspace itself"},
		{in: "a/..", wantErr: `holds ".."`},
		{in: "../x", wantErr: `holds ".."`},
		{in: "/workspace/x", wantErr: `is absolute; give it relative to /workspace (write "x")`},
		{in: "/etc", wantErr: `"/etc" is absolute; give it relative to /workspace`},
		{in: `a\b`, wantErr: "backslash"},
		{in: " ", wantErr: "it is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := RelPath("outputDir", tt.in, tt.allowRoot)

			if tt.wantErr != "" {
				if !errors.Is(err, ErrBadPath) || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "outputDir: ") {
					t.Errorf("error = %v, want ErrBadPath naming outputDir and containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("RelPath(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestOpenRefusesAWorkspaceThatIsNotMounted(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, dir := range map[string]string{"missing": filepath.Join(t.TempDir(), "ws"), "a file": file} {
		t.Run(name, func(t *testing.T) {
			if _, err := Open(dir); !errors.Is(err, ErrNotMounted) || !strings.Contains(err.Error(), "usesWorkspace: true") {
				t.Errorf("Open(%s) error = %v, want ErrNotMounted asking for usesWorkspace", dir, err)
			}
		})
	}
}

func TestMkdirAllNamesASymlinkThatLeadsOut(t *testing.T) {
	ws, outside := t.TempDir(), t.TempDir()
	if err := os.Symlink(outside, filepath.Join(ws, "out")); err != nil {
		t.Fatal(err)
	}
	root, err := Open(ws)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()

	if err := MkdirAll(root, "in/side"); err != nil {
		t.Errorf("MkdirAll inside the workspace: %v", err)
	}
	err = MkdirAll(root, "out/logs")

	if err == nil || !strings.Contains(err.Error(), "out is a symbolic link that cannot be followed inside the workspace") {
		t.Errorf("error = %v, want one naming the link", err)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("MkdirAll created %v outside the workspace", entries)
	}
}
