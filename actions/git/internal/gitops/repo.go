package gitops

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"github.com/kubernaut/kubernaut/actions/internal/workspace"
)

// DefaultRepoPath is where git/clone puts the clone and where the other actions look for it.
const DefaultRepoPath = "repo"

// ErrNotARepository means repoPath names no clone made by git/clone.
var ErrNotARepository = errors.New("not a git clone")

// clonePath is a clone's directory in the workspace.
type clonePath struct {
	// Rel is relative to the workspace, cleaned.
	Rel string
	// Abs is the directory on disk.
	Abs string
}

// resolveClonePath checks the value of the input named input and returns the clone's
// directory. A symbolic link on the way, which an earlier step may have left in the shared
// workspace, is refused rather than followed out of it.
func resolveClonePath(ws, input, p string) (clonePath, error) {
	rel, err := workspace.RelPath(fmt.Sprintf("input %q", input), p, false)
	if err != nil {
		return clonePath{}, err
	}
	root, err := workspace.Open(ws)
	if err != nil {
		return clonePath{}, err
	}
	defer root.Close()
	if link := workspace.SymlinkOnPath(root, rel); link != "" {
		return clonePath{}, fmt.Errorf("input %q: %s is a symbolic link; the clone must be a directory inside the workspace", input, link)
	}
	return clonePath{Rel: rel, Abs: filepath.Join(ws, filepath.FromSlash(rel))}, nil
}

// storage returns the work tree and object storage of the clone at dir. Both are bound to
// their directories: go-git follows no symbolic link out of them.
func storage(dir string) (billy.Filesystem, *filesystem.Storage, error) {
	worktree := osfs.New(dir, osfs.WithBoundOS())
	dotgit, err := worktree.Chroot(git.GitDirName)
	if err != nil {
		return nil, nil, err
	}
	return worktree, filesystem.NewStorage(dotgit, cache.NewObjectLRUDefault()), nil
}

// openClone opens the clone named by the input repoPath.
func openClone(ws, repoPath string) (*git.Repository, clonePath, error) {
	cp, err := resolveClonePath(ws, "repoPath", repoPath)
	if err != nil {
		return nil, clonePath{}, err
	}
	info, err := os.Lstat(filepath.Join(cp.Abs, git.GitDirName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, clonePath{}, fmt.Errorf("input \"repoPath\" %q: %w (no %s directory); run git/clone first, in a step with usesWorkspace: true",
			cp.Rel, ErrNotARepository, git.GitDirName)
	}
	if err != nil {
		return nil, clonePath{}, fmt.Errorf("input \"repoPath\" %q: %w", cp.Rel, err)
	}
	if !info.IsDir() {
		return nil, clonePath{}, fmt.Errorf("input \"repoPath\" %q: %w (%s is not a directory)", cp.Rel, ErrNotARepository, git.GitDirName)
	}
	worktree, st, err := storage(cp.Abs)
	if err != nil {
		return nil, clonePath{}, err
	}
	repo, err := git.Open(st, worktree)
	if err != nil {
		return nil, clonePath{}, fmt.Errorf("input \"repoPath\" %q: opening the clone: %w", cp.Rel, err)
	}
	return repo, cp, nil
}

// checkRepositoryURL accepts an https URL without credentials: credentials come from the
// mounted Secret only, and plain http would send them in clear text.
func checkRepositoryURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("input \"repository\": not a URL: %w", err)
	}
	switch {
	case u.User != nil:
		// The URL is not repeated: its user part may be a token.
		return fmt.Errorf("input \"repository\" holds a user name or password (https://…@%s); credentials come only from the mounted Secret (%s)", u.Host, DefaultCredentialsDir)
	case u.Scheme != "https":
		return fmt.Errorf("input \"repository\" %q: the scheme must be https, got %q", raw, u.Scheme)
	case u.Host == "":
		return fmt.Errorf("input \"repository\" %q: no host", raw)
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("input \"repository\" %q: a query or fragment is not part of a clone URL", raw)
	}
	return nil
}
