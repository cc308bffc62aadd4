package gitops

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/kubernaut/kubernaut/actions/internal/workspace"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// Modify is the action git/modify-file: it changes one YAML or JSON file of the clone, by
// dotted paths (set), by an RFC 7386 merge patch (mergePatch) or by an RFC 6902 JSON patch
// (jsonPatch). Exactly one of the three is given.
type Modify struct {
	// Workspace is where the workspace is mounted (workspace.Dir in a pod).
	Workspace string
}

// modification is one of the three ways to change a document.
type modification struct {
	// mode is the input that was given: set, mergePatch or jsonPatch.
	mode  string
	value any
}

// modes are the inputs of which exactly one must be given.
var modes = []string{"set", "mergePatch", "jsonPatch"}

// Run changes the file and reports whether its content changed, with both digests.
func (m Modify) Run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	repoPath, err := in.StringOr("repoPath", DefaultRepoPath)
	if err != nil {
		return nil, err
	}
	filePath, err := in.String("path")
	if err != nil {
		return nil, err
	}
	mod, err := readModification(in)
	if err != nil {
		return nil, err
	}
	_, cp, err := openClone(m.Workspace, repoPath)
	if err != nil {
		return nil, err
	}
	rel, err := fileInClone(filePath)
	if err != nil {
		return nil, err
	}
	root, err := workspace.Open(m.Workspace)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	full := path.Join(cp.Rel, rel)
	before, mode, err := readRegularFile(root, full)
	if err != nil {
		return nil, fmt.Errorf("input \"path\" %q: %w", filePath, err)
	}
	after, err := modifyDocument(before, path.Ext(rel) == ".json", mod)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	changed := string(after) != string(before)
	if changed {
		if err := root.WriteFile(full, after, mode); err != nil {
			return nil, fmt.Errorf("writing %s: %w", rel, err)
		}
	}
	action.Logf(ctx, "%s: applied %s; changed: %t", rel, mod.mode, changed)
	return action.Outputs{"path": rel, "changed": changed, "before": digest(before), "after": digest(after)}, nil
}

// readModification returns the one modification given.
func readModification(in *action.Inputs) (modification, error) {
	var given []string
	for _, name := range modes {
		if in.Has(name) {
			given = append(given, name)
		}
	}
	if len(given) != 1 {
		return modification{}, fmt.Errorf("give exactly one of the inputs %s; got %d (%s)",
			strings.Join(modes, ", "), len(given), strings.Join(given, ", "))
	}
	mod := modification{mode: given[0]}
	var err error
	switch mod.mode {
	case "jsonPatch":
		mod.value, err = in.Array(mod.mode)
	default:
		var obj map[string]any
		obj, err = in.Object(mod.mode)
		if err == nil && len(obj) == 0 && mod.mode == "set" {
			err = errors.New("input \"set\" is empty; name at least one path")
		}
		mod.value = obj
	}
	return mod, err
}

// fileInClone checks the path input: relative, inside the clone, and not inside .git, whose
// files (hooks, config) are not for a workflow step to change.
func fileInClone(p string) (string, error) {
	rel, err := workspace.RelPath("input \"path\"", p, false)
	if err != nil {
		return "", err
	}
	if first, _, _ := strings.Cut(rel, "/"); first == ".git" {
		return "", fmt.Errorf("input \"path\" %q: files under .git cannot be modified", p)
	}
	return rel, nil
}

// readRegularFile reads name through root, refusing a symbolic link anywhere on its path
// (even one that stays inside the clone: the link, not its target, is what git commits).
func readRegularFile(root *os.Root, name string) ([]byte, fs.FileMode, error) {
	if link := workspace.SymlinkOnPath(root, name); link != "" {
		return nil, 0, fmt.Errorf("%s is a symbolic link; only regular files are modified", link)
	}
	info, err := root.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, errors.New("no such file in the clone; git/modify-file changes existing files")
	}
	if err != nil {
		return nil, 0, err
	}
	if !info.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("not a regular file (%s)", info.Mode().Type())
	}
	data, err := root.ReadFile(name)
	return data, info.Mode().Perm(), err
}

// digest is the hex SHA-256 of data.
func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
