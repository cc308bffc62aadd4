// Package workspace gives the built-in actions safe access to the workflow's shared workspace,
// the volume the engine mounts at /workspace in every step that declares usesWorkspace: true.
//
// Paths from inputs are always relative to the workspace, and every file is opened through an
// os.Root, so neither ".." nor a symbolic link left by an earlier step can make an action read or
// write outside the workspace.
package workspace

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
)

// Dir is where both engines mount the workspace (actionjob.WorkspacePath, Tekton's workspace).
const Dir = "/workspace"

// Sentinel errors callers and tests branch on.
var (
	// ErrNotMounted means the workspace directory does not exist or is not a directory.
	ErrNotMounted = errors.New("the workspace is not mounted; the step needs usesWorkspace: true")
	// ErrNotWritable means the workspace exists but the action may not write to it.
	ErrNotWritable = errors.New("the workspace is not writable by the action's user; the step needs " +
		"usesWorkspace: true and a volume that the action's user may write")
	// ErrBadPath means a path input is not a clean path inside the workspace.
	ErrBadPath = errors.New("not a path inside the workspace")
)

// Open opens dir (Dir outside tests) as the root of every later access.
func Open(dir string) (*os.Root, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotMounted, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("%w: %s is not a directory", ErrNotMounted, dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotMounted, err)
	}
	return root, nil
}

// MkdirAll creates name (relative to root) and its parents, turning a permission or read-only
// failure into ErrNotWritable, so the step's author learns what to fix.
func MkdirAll(root *os.Root, name string) error {
	err := root.MkdirAll(name, 0o755)
	if err == nil {
		return nil
	}
	if errors.Is(err, fs.ErrPermission) || isReadOnly(err) {
		return fmt.Errorf("%w: creating %s/%s: %v", ErrNotWritable, root.Name(), name, err)
	}
	if link := SymlinkOnPath(root, name); link != "" {
		return fmt.Errorf("creating %s/%s: %s is a symbolic link that cannot be followed inside the workspace: %w",
			root.Name(), name, link, err)
	}
	return fmt.Errorf("creating %s/%s: %w", root.Name(), name, err)
}

// SymlinkOnPath returns the first element of the relative path name, such as "a" or "a/b",
// that is a symbolic link, or "" when there is none. It explains an os.Root refusal ("path
// escapes from parent"), typically a link an earlier step left in the shared workspace.
func SymlinkOnPath(root *os.Root, name string) string {
	prefix := ""
	for _, elem := range strings.Split(name, "/") {
		prefix = path.Join(prefix, elem)
		info, err := root.Lstat(prefix)
		if err != nil {
			return ""
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			return prefix
		}
	}
	return ""
}

// RelPath checks the value of the input named input (for messages, such as "outputDir" or
// "attachments[2]") and returns it cleaned. It refuses an empty path, an absolute path, and any
// ".." element: the value must name something inside the workspace without help from the
// action. When allowRoot is false it also refuses "." (the workspace itself).
func RelPath(input, p string, allowRoot bool) (string, error) {
	switch {
	case strings.TrimSpace(p) == "":
		return "", fmt.Errorf("%s: %w: it is empty", input, ErrBadPath)
	case strings.HasPrefix(p, "/"):
		hint := ""
		if rel, ok := strings.CutPrefix(path.Clean(p), Dir+"/"); ok {
			hint = fmt.Sprintf(" (write %q)", rel)
		}
		return "", fmt.Errorf("%s: %w: %q is absolute; give it relative to %s%s", input, ErrBadPath, p, Dir, hint)
	case strings.Contains(p, "\\"):
		return "", fmt.Errorf("%s: %w: %q holds a backslash; use / between elements", input, ErrBadPath, p)
	}
	for _, elem := range strings.Split(p, "/") {
		if elem == ".." {
			return "", fmt.Errorf("%s: %w: %q holds \"..\"", input, ErrBadPath, p)
		}
	}
	clean := path.Clean(p)
	if clean == "." && !allowRoot {
		return "", fmt.Errorf("%s: %w: %q is the workspace itself; name a directory inside it", input, ErrBadPath, p)
	}
	return clean, nil
}
