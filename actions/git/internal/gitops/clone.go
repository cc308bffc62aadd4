package gitops

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/kubernaut/kubernaut/sdk/action"
)

// Clone is the action git/clone: a shallow, single-branch clone into the workspace.
type Clone struct {
	// Workspace is where the workspace is mounted (workspace.Dir in a pod).
	Workspace string
	// CredentialsDir is where the git Secret is mounted (CredentialsDir()).
	CredentialsDir string
}

// cloneInputs are git/clone's inputs after defaulting.
type cloneInputs struct {
	repository, branch, path string
	depth                    int
}

// Run clones the repository and reports the clone's path, branch and commit.
func (c Clone) Run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	args, err := readCloneInputs(in)
	if err != nil {
		return nil, err
	}
	creds, err := LoadCredentials(c.CredentialsDir)
	if err != nil {
		return nil, err
	}
	dest, err := resolveClonePath(c.Workspace, "path", args.path)
	if err != nil {
		return nil, err
	}
	if err := checkEmptyDestination(dest); err != nil {
		return nil, err
	}
	action.Logf(ctx, "cloning %s (branch %s, depth %d) into %s", args.repository, orRemoteHead(args.branch), args.depth, dest.Rel)
	repo, err := cloneInto(ctx, dest.Abs, args, creds)
	if err != nil {
		// A failed clone leaves a partial directory that would make a retry fail.
		_ = os.RemoveAll(dest.Abs)
		return nil, creds.Redact(fmt.Errorf("cloning %s: %w", args.repository, explainTransportError(err)))
	}
	head, err := repo.Head()
	if err != nil {
		return nil, fmt.Errorf("reading the cloned HEAD: %w", err)
	}
	return action.Outputs{"path": dest.Rel, "branch": head.Name().Short(), "commit": head.Hash().String()}, nil
}

// readCloneInputs reads and checks the inputs, repeating the contract's defaults for runs
// without one.
func readCloneInputs(in *action.Inputs) (cloneInputs, error) {
	var args cloneInputs
	var err error
	if args.repository, err = in.String("repository"); err != nil {
		return cloneInputs{}, err
	}
	if err := checkRepositoryURL(args.repository); err != nil {
		return cloneInputs{}, err
	}
	if args.branch, err = in.StringOr("branch", ""); err != nil {
		return cloneInputs{}, err
	}
	if args.branch != "" {
		if err := plumbing.NewBranchReferenceName(args.branch).Validate(); err != nil {
			return cloneInputs{}, fmt.Errorf("input \"branch\" %q: not a valid branch name: %w", args.branch, err)
		}
	}
	if args.path, err = in.StringOr("path", DefaultRepoPath); err != nil {
		return cloneInputs{}, err
	}
	depth, err := in.IntOr("depth", 1)
	if err != nil {
		return cloneInputs{}, err
	}
	if depth < 0 || depth > 1<<20 {
		return cloneInputs{}, fmt.Errorf("input \"depth\" %d: must be 0 (the full history) or a positive number of commits", depth)
	}
	args.depth = int(depth)
	return args, nil
}

// checkEmptyDestination refuses to clone over something: an earlier step's files would be
// mixed into the commit.
func checkEmptyDestination(dest clonePath) error {
	entries, err := os.ReadDir(dest.Abs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("input \"path\" %q: %w", dest.Rel, err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("input \"path\" %q: the directory is not empty; clone into a new path", dest.Rel)
	}
	return nil
}

// cloneInto clones into dir, which go-git creates.
func cloneInto(ctx context.Context, dir string, args cloneInputs, creds Credentials) (*git.Repository, error) {
	worktree, st, err := storage(dir)
	if err != nil {
		return nil, err
	}
	opts := &git.CloneOptions{
		URL:          args.repository,
		Auth:         creds.Auth(),
		CABundle:     creds.CABundle,
		SingleBranch: true,
		Depth:        args.depth,
		Tags:         git.NoTags,
	}
	if args.branch != "" {
		opts.ReferenceName = plumbing.NewBranchReferenceName(args.branch)
	}
	return git.CloneContext(ctx, st, worktree, opts)
}

// orRemoteHead names the branch for the log.
func orRemoteHead(branch string) string {
	if branch == "" {
		return "the remote's default"
	}
	return branch
}
