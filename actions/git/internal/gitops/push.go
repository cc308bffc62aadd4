package gitops

import (
	"context"
	"errors"
	"fmt"
	"path"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/kubernaut/kubernaut/sdk/action"
)

// remoteName is the remote git/clone sets up.
const remoteName = "origin"

// defaultProtectedBranches are refused unless the step names its own list.
var defaultProtectedBranches = []string{"main", "master"}

// ErrProtectedBranch means the branch to push is protected: remediations go through a pull
// request, never straight onto it (upstream's allowProtectedBranches: false).
var ErrProtectedBranch = errors.New("pushing to a protected branch is refused")

// Push is the action git/push: it pushes one branch of the clone to origin, never by force.
type Push struct {
	// Workspace is where the workspace is mounted (workspace.Dir in a pod).
	Workspace string
	// CredentialsDir is where the git Secret is mounted (CredentialsDir()).
	CredentialsDir string
}

// Run pushes the branch and reports the remote, the branch and the commit pushed.
func (p Push) Run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	repoPath, err := in.StringOr("repoPath", DefaultRepoPath)
	if err != nil {
		return nil, err
	}
	repo, _, err := openClone(p.Workspace, repoPath)
	if err != nil {
		return nil, err
	}
	branch, err := branchToPush(repo, in)
	if err != nil {
		return nil, err
	}
	// Refused before the credentials are read and before any network call.
	if err := checkNotProtected(in, branch); err != nil {
		return nil, err
	}
	ref, err := repo.Reference(plumbing.NewBranchReferenceName(branch), true)
	if err != nil {
		return nil, fmt.Errorf("input \"branch\" %q: no such branch in the clone: %w", branch, err)
	}
	remote, err := originURL(repo)
	if err != nil {
		return nil, err
	}
	creds, err := LoadCredentials(p.CredentialsDir)
	if err != nil {
		return nil, err
	}
	action.Logf(ctx, "pushing %s (%s) to %s", branch, ref.Hash(), remote)
	// No '+' in the refspec: a push that is not a fast-forward fails instead of overwriting.
	spec := config.RefSpec(fmt.Sprintf("%s:%s", ref.Name(), ref.Name()))
	err = repo.PushContext(ctx, &git.PushOptions{
		RemoteName: remoteName, RefSpecs: []config.RefSpec{spec},
		Auth: creds.Auth(), CABundle: creds.CABundle,
	})
	switch {
	case errors.Is(err, git.NoErrAlreadyUpToDate):
		action.Logf(ctx, "%s was already up to date on %s", branch, remote)
	case err != nil:
		return nil, creds.Redact(fmt.Errorf("pushing %s to %s: %w", branch, remote, explainTransportError(err)))
	}
	return action.Outputs{"remote": remote, "branch": branch, "commit": ref.Hash().String()}, nil
}

// branchToPush is the input branch, or the branch checked out (as git/commit leaves it).
func branchToPush(repo *git.Repository, in *action.Inputs) (string, error) {
	branch, err := in.StringOr("branch", "")
	if err != nil || branch != "" {
		return branch, err
	}
	return currentBranch(repo)
}

// currentBranch is the branch checked out; a detached HEAD is an error.
func currentBranch(repo *git.Repository) (string, error) {
	head, err := repo.Head()
	if err != nil {
		return "", fmt.Errorf("reading HEAD: %w", err)
	}
	if !head.Name().IsBranch() {
		return "", fmt.Errorf("HEAD is detached at %s; name the branch in the inputs", head.Hash())
	}
	return head.Name().Short(), nil
}

// checkNotProtected refuses a branch matching one of protectedBranches (path.Match patterns,
// such as "release/*").
func checkNotProtected(in *action.Inputs, branch string) error {
	patterns := defaultProtectedBranches
	if in.Has("protectedBranches") {
		raw, err := in.Array("protectedBranches")
		if err != nil {
			return err
		}
		patterns = make([]string, 0, len(raw))
		for i, v := range raw {
			s, ok := v.(string)
			if !ok {
				return fmt.Errorf("input \"protectedBranches\"[%d] must be a string, got %T", i, v)
			}
			patterns = append(patterns, s)
		}
	}
	for i, pattern := range patterns {
		matched, err := path.Match(pattern, branch)
		if err != nil {
			return fmt.Errorf("input \"protectedBranches\"[%d] %q: %w", i, pattern, err)
		}
		if matched {
			return fmt.Errorf("%w: %q matches %q in protectedBranches; push a remediation branch and open a pull request instead", ErrProtectedBranch, branch, pattern)
		}
	}
	return nil
}

// originURL is the URL git/clone recorded for origin.
func originURL(repo *git.Repository) (string, error) {
	remote, err := repo.Remote(remoteName)
	if err != nil {
		return "", fmt.Errorf("the clone has no remote %q: %w", remoteName, err)
	}
	urls := remote.Config().URLs
	if len(urls) == 0 {
		return "", fmt.Errorf("the remote %q has no URL", remoteName)
	}
	return urls[0], nil
}
