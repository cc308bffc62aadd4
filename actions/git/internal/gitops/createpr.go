package gitops

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/kubernaut/kubernaut/sdk/action"
)

// ErrPullRequest means the provider's API refused to open the pull request.
var ErrPullRequest = errors.New("the provider refused the pull request")

// CreatePR is the action git/create-pr: it opens a GitHub pull request or a GitLab merge
// request from the branch git/push pushed.
type CreatePR struct {
	// Workspace is where the workspace is mounted (workspace.Dir in a pod).
	Workspace string
	// CredentialsDir is where the git Secret is mounted (CredentialsDir()); its token
	// authenticates the API call.
	CredentialsDir string
}

// pullRequest is what to open, provider-neutral.
type pullRequest struct {
	provider, apiURL, project string
	head, base, title, body   string
	draft                     bool
}

// Run opens the pull request and reports its number and web address.
func (c CreatePR) Run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	repoPath, err := in.StringOr("repoPath", DefaultRepoPath)
	if err != nil {
		return nil, err
	}
	repo, _, err := openClone(c.Workspace, repoPath)
	if err != nil {
		return nil, err
	}
	pr, err := readPullRequest(in)
	if err != nil {
		return nil, err
	}
	if pr.head == "" {
		if pr.head, err = currentBranch(repo); err != nil {
			return nil, err
		}
	}
	remote, err := originURL(repo)
	if err != nil {
		return nil, err
	}
	if err := pr.derive(remote); err != nil {
		return nil, err
	}
	creds, err := LoadCredentials(c.CredentialsDir)
	if err != nil {
		return nil, err
	}
	if creds.secretValue() == "" {
		return nil, fmt.Errorf("%w: opening a pull request needs a token in the Secret mounted at %s", ErrCredentials, DefaultCredentialsDir)
	}
	action.Logf(ctx, "opening a %s pull request %s -> %s in %s", pr.provider, pr.head, pr.base, pr.project)
	number, webURL, err := openPullRequest(ctx, pr, creds)
	if err != nil {
		return nil, creds.Redact(err)
	}
	return action.Outputs{"provider": pr.provider, "number": number, "url": webURL, "head": pr.head, "base": pr.base}, nil
}

// readPullRequest reads the inputs; head may stay empty (the branch checked out).
func readPullRequest(in *action.Inputs) (pullRequest, error) {
	var pr pullRequest
	var err error
	fields := []struct {
		name, def string
		dst       *string
	}{
		{"provider", "", &pr.provider}, {"apiURL", "", &pr.apiURL}, {"head", "", &pr.head},
		{"base", "", &pr.base}, {"title", "", &pr.title}, {"body", "", &pr.body},
	}
	for _, f := range fields {
		if *f.dst, err = in.StringOr(f.name, f.def); err != nil {
			return pullRequest{}, err
		}
	}
	if pr.draft, err = in.BoolOr("draft", false); err != nil {
		return pullRequest{}, err
	}
	if pr.provider != "github" && pr.provider != "gitlab" {
		return pullRequest{}, fmt.Errorf("input \"provider\" %q: must be github or gitlab", pr.provider)
	}
	for name, v := range map[string]string{"base": pr.base, "title": pr.title} {
		if strings.TrimSpace(v) == "" {
			return pullRequest{}, fmt.Errorf("input %q is required and must not be blank", name)
		}
	}
	return pr, nil
}

// derive fills the project path and, unless given, the API URL from the clone's remote URL:
// https://github.com/owner/repo.git is owner/repo on https://api.github.com; any other host is
// a GitHub Enterprise (/api/v3) or GitLab (/api/v4) installation on that host.
func (pr *pullRequest) derive(remote string) error {
	u, err := url.Parse(remote)
	if err != nil {
		return fmt.Errorf("the clone's remote URL: %w", err)
	}
	pr.project = strings.TrimSuffix(strings.Trim(u.Path, "/"), ".git")
	if pr.provider == "github" && strings.Count(pr.project, "/") != 1 {
		return fmt.Errorf("the remote %s does not name a GitHub repository as owner/name", remote)
	}
	if pr.apiURL == "" {
		switch {
		case pr.provider == "github" && u.Host == "github.com":
			pr.apiURL = "https://api.github.com"
		case pr.provider == "github":
			pr.apiURL = "https://" + u.Host + "/api/v3"
		default:
			pr.apiURL = "https://" + u.Host + "/api/v4"
		}
	}
	if api, err := url.Parse(pr.apiURL); err != nil || api.Scheme != "https" || api.User != nil {
		return fmt.Errorf("input \"apiURL\" %q: must be an https URL without credentials", pr.apiURL)
	}
	pr.apiURL = strings.TrimSuffix(pr.apiURL, "/")
	return nil
}
