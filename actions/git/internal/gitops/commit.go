package gitops

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/kubernaut/kubernaut/sdk/action"
)

const (
	// BranchPrefix starts the default branch name, as upstream's GitOps requirements
	// (BR-GITOPS, prBranchPrefix) name remediation branches.
	BranchPrefix = "kubernaut/remediation-"
	// branchTimestamp is the UTC time in a default branch name; a ref name cannot hold ':'.
	branchTimestamp    = "20060102T150405Z"
	defaultAuthorName  = "kubernaut"
	defaultAuthorEmail = "kubernaut@localhost"
)

// Sentinel errors of git/commit.
var (
	// ErrNothingToCommit means the work tree equals the checked-out commit.
	ErrNothingToCommit = errors.New("nothing to commit: the clone has no changes")
	// ErrBranchExists means the branch to create is already there.
	ErrBranchExists = errors.New("the branch already exists")
)

// Commit is the action git/commit: it creates a new branch at the clone's HEAD and commits
// every change in the work tree to it.
type Commit struct {
	// Workspace is where the workspace is mounted (workspace.Dir in a pod).
	Workspace string
	// Now is the clock for the commit and the default branch name; nil means time.Now.
	Now func() time.Time
}

// commitInputs are git/commit's inputs after defaulting.
type commitInputs struct {
	repoPath, message, branch string
	author                    object.Signature
}

// Run commits the changes and reports the commit, its branch and the changed files.
func (c Commit) Run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	args, err := readCommitInputs(in, now().UTC())
	if err != nil {
		return nil, err
	}
	repo, cp, err := openClone(c.Workspace, args.repoPath)
	if err != nil {
		return nil, err
	}
	wt, err := repo.Worktree()
	if err != nil {
		return nil, err
	}
	files, err := changedFiles(wt)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w in %s; an earlier step (such as git/modify-file) should have changed a file", ErrNothingToCommit, cp.Rel)
	}
	if err := createBranch(repo, wt, args.branch); err != nil {
		return nil, err
	}
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		return nil, fmt.Errorf("staging the changes: %w", err)
	}
	hash, err := wt.Commit(args.message, &git.CommitOptions{Author: &args.author, Committer: &args.author})
	if err != nil {
		return nil, fmt.Errorf("committing: %w", err)
	}
	action.Logf(ctx, "committed %d file(s) as %s on the new branch %s", len(files), hash, args.branch)
	return action.Outputs{"commit": hash.String(), "branch": args.branch, "filesChanged": len(files), "files": files}, nil
}

// readCommitInputs reads and checks the inputs; now names the default branch and dates the commit.
func readCommitInputs(in *action.Inputs, now time.Time) (commitInputs, error) {
	var args commitInputs
	var err error
	if args.repoPath, err = in.StringOr("repoPath", DefaultRepoPath); err != nil {
		return commitInputs{}, err
	}
	if args.message, err = in.String("message"); err != nil {
		return commitInputs{}, err
	}
	if strings.TrimSpace(args.message) == "" {
		return commitInputs{}, fmt.Errorf("input \"message\" is blank")
	}
	if args.branch, err = in.StringOr("branch", ""); err != nil {
		return commitInputs{}, err
	}
	if args.branch == "" {
		args.branch = BranchPrefix + now.Format(branchTimestamp)
	}
	if err := plumbing.NewBranchReferenceName(args.branch).Validate(); err != nil {
		return commitInputs{}, fmt.Errorf("input \"branch\" %q: not a valid branch name: %w", args.branch, err)
	}
	name, err := in.StringOr("authorName", defaultAuthorName)
	if err != nil {
		return commitInputs{}, err
	}
	email, err := in.StringOr("authorEmail", defaultAuthorEmail)
	if err != nil {
		return commitInputs{}, err
	}
	for input, v := range map[string]string{"authorName": name, "authorEmail": email} {
		if strings.TrimSpace(v) == "" || strings.ContainsAny(v, "<>\n\r") {
			return commitInputs{}, fmt.Errorf("input %q %q: must be non-blank without '<', '>' or a line break", input, v)
		}
	}
	args.author = object.Signature{Name: name, Email: email, When: now}
	return args, nil
}

// changedFiles lists, sorted, the paths that differ from HEAD, including untracked ones.
func changedFiles(wt *git.Worktree) ([]string, error) {
	status, err := wt.Status()
	if err != nil {
		return nil, fmt.Errorf("reading the work tree's status: %w", err)
	}
	files := []string{}
	for p, s := range status {
		if s.Worktree != git.Unmodified || s.Staging != git.Unmodified {
			files = append(files, p)
		}
	}
	slices.Sort(files)
	return files, nil
}

// createBranch creates branch at HEAD and checks it out, keeping the work tree's changes.
// An existing branch is refused: reusing it could mix this remediation with another.
func createBranch(repo *git.Repository, wt *git.Worktree, branch string) error {
	ref := plumbing.NewBranchReferenceName(branch)
	if _, err := repo.Reference(ref, false); err == nil {
		return fmt.Errorf("input \"branch\" %q: %w; name a new one", branch, ErrBranchExists)
	}
	if err := wt.Checkout(&git.CheckoutOptions{Branch: ref, Create: true, Keep: true}); err != nil {
		return fmt.Errorf("creating the branch %q: %w", branch, err)
	}
	return nil
}
