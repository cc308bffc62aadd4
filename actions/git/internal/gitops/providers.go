package gitops

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// maxAPIResponseBytes bounds what is read of an API answer.
const maxAPIResponseBytes = 1 << 20

// githubPullRequest is the body of POST /repos/{owner}/{repo}/pulls
// (https://docs.github.com/en/rest/pulls/pulls#create-a-pull-request).
type githubPullRequest struct {
	Title string `json:"title"`
	Head  string `json:"head"`
	Base  string `json:"base"`
	Body  string `json:"body,omitempty"`
	Draft bool   `json:"draft,omitempty"`
}

// gitlabMergeRequest is the body of POST /projects/{id}/merge_requests
// (https://docs.gitlab.com/api/merge_requests/#create-mr). GitLab has no draft field: a
// title starting with "Draft:" makes one.
type gitlabMergeRequest struct {
	SourceBranch string `json:"source_branch"`
	TargetBranch string `json:"target_branch"`
	Title        string `json:"title"`
	Description  string `json:"description,omitempty"`
}

// openPullRequest calls the provider's API and returns the number (GitHub's number, GitLab's
// iid) and the web address of the new pull request.
func openPullRequest(ctx context.Context, pr pullRequest, creds Credentials) (int64, string, error) {
	var endpoint string
	var body any
	header := http.Header{"Content-Type": {"application/json"}}
	if pr.provider == "github" {
		endpoint = pr.apiURL + "/repos/" + pr.project + "/pulls"
		body = githubPullRequest{Title: pr.title, Head: pr.head, Base: pr.base, Body: pr.body, Draft: pr.draft}
		header.Set("Accept", "application/vnd.github+json")
		header.Set("X-GitHub-Api-Version", "2022-11-28")
		header.Set("Authorization", "Bearer "+creds.secretValue())
	} else {
		endpoint = pr.apiURL + "/projects/" + url.PathEscape(pr.project) + "/merge_requests"
		title := pr.title
		if pr.draft {
			title = "Draft: " + title
		}
		body = gitlabMergeRequest{SourceBranch: pr.head, TargetBranch: pr.base, Title: title, Description: pr.body}
		header.Set("PRIVATE-TOKEN", creds.secretValue())
	}
	var created struct {
		Number  int64  `json:"number"`
		IID     int64  `json:"iid"`
		HTMLURL string `json:"html_url"`
		WebURL  string `json:"web_url"`
	}
	if err := postJSON(ctx, endpoint, header, body, creds.CABundle, &created); err != nil {
		return 0, "", err
	}
	if pr.provider == "github" {
		return created.Number, created.HTMLURL, nil
	}
	return created.IID, created.WebURL, nil
}

// postJSON posts body to endpoint and decodes a 201 answer into out; any other status is
// ErrPullRequest with the provider's message.
func postJSON(ctx context.Context, endpoint string, header http.Header, body any, caBundle []byte, out any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header = header
	client, err := apiClient(caBundle)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("calling %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIResponseBytes))
	if err != nil {
		return fmt.Errorf("reading the answer of %s: %w", endpoint, err)
	}
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("%w: POST %s: %s: %s", ErrPullRequest, endpoint, resp.Status, bytes.TrimSpace(answer))
	}
	if err := json.Unmarshal(answer, out); err != nil {
		return fmt.Errorf("decoding the answer of %s: %w", endpoint, err)
	}
	return nil
}

// apiClient trusts the system's roots plus caBundle.
func apiClient(caBundle []byte) (*http.Client, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if len(caBundle) > 0 && !pool.AppendCertsFromPEM(caBundle) {
		return nil, fmt.Errorf("%w: ca.crt holds no PEM certificate", ErrCredentials)
	}
	transport := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, Proxy: http.ProxyFromEnvironment}
	return &http.Client{Transport: transport, Timeout: 30 * time.Second}, nil
}
