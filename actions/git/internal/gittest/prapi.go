package gittest

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// PullRequest is one pull or merge request the API accepted, in provider-neutral terms.
type PullRequest struct {
	Provider, Project, Head, Base, Title, Body string
	Draft                                      bool
}

// PRAPI imitates the pull-request endpoints of GitHub's REST API
// (POST /repos/{owner}/{repo}/pulls) and GitLab's (POST /api/v4/projects/{id}/merge_requests),
// on 127.0.0.1 over TLS with the same certificate as Server. It checks every request against
// the provider's documented request schema (method, headers, authentication, JSON body without
// unknown fields, required fields) and that both branches exist in the git server's repository.
type PRAPI struct {
	// URL is the base URL: GitHub's API root, and GitLab's at URL + "/api/v4".
	URL string

	git   *Server
	token string
	mu    sync.Mutex
	// created lists the accepted requests, in order.
	created []PullRequest
}

// StartPRAPI starts the API accepting token, with git as the server holding the repositories.
func StartPRAPI(t testing.TB, git *Server, token string) *PRAPI {
	t.Helper()
	api := &PRAPI{git: git, token: token}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /repos/{owner}/{repo}/pulls", api.github)
	mux.HandleFunc("POST /api/v4/projects/{id}/merge_requests", api.gitlab)
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	api.URL = srv.URL
	return api
}

// Created returns the pull requests accepted so far.
func (a *PRAPI) Created() []PullRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]PullRequest(nil), a.created...)
}

func (a *PRAPI) github(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Title               string `json:"title"`
		Head                string `json:"head"`
		Base                string `json:"base"`
		Body                string `json:"body"`
		Draft               bool   `json:"draft"`
		MaintainerCanModify *bool  `json:"maintainer_can_modify"`
		Issue               *int   `json:"issue"`
		HeadRepo            string `json:"head_repo"`
	}
	switch {
	case r.Header.Get("Authorization") != "Bearer "+a.token && r.Header.Get("Authorization") != "token "+a.token:
		reply(w, http.StatusUnauthorized, map[string]any{"message": "Bad credentials"})
		return
	case r.Header.Get("Accept") != "application/vnd.github+json":
		reply(w, http.StatusBadRequest, map[string]any{"message": "Accept must be application/vnd.github+json"})
		return
	}
	project := r.PathValue("owner") + "/" + r.PathValue("repo")
	if msg := decodeStrict(r, &body); msg != "" {
		reply(w, http.StatusBadRequest, map[string]any{"message": msg})
		return
	}
	pr := PullRequest{Provider: "github", Project: project, Head: body.Head, Base: body.Base, Title: body.Title, Body: body.Body, Draft: body.Draft}
	if msg := a.check(pr); msg != "" {
		reply(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed", "errors": []any{map[string]any{"message": msg}}})
		return
	}
	n := a.record(pr)
	reply(w, http.StatusCreated, map[string]any{"number": n, "html_url": fmt.Sprintf("https://github.example/%s/pull/%d", project, n), "state": "open"})
}

func (a *PRAPI) gitlab(w http.ResponseWriter, r *http.Request) {
	var body struct {
		SourceBranch       string `json:"source_branch"`
		TargetBranch       string `json:"target_branch"`
		Title              string `json:"title"`
		Description        string `json:"description"`
		AssigneeID         *int   `json:"assignee_id"`
		Labels             string `json:"labels"`
		RemoveSourceBranch *bool  `json:"remove_source_branch"`
		Squash             *bool  `json:"squash"`
		TargetProjectID    *int   `json:"target_project_id"`
		ReviewerIDs        []int  `json:"reviewer_ids"`
		AssigneeIDs        []int  `json:"assignee_ids"`
		MilestoneID        *int   `json:"milestone_id"`
		AllowCollaboration *bool  `json:"allow_collaboration"`
	}
	if r.Header.Get("PRIVATE-TOKEN") != a.token && r.Header.Get("Authorization") != "Bearer "+a.token {
		reply(w, http.StatusUnauthorized, map[string]any{"message": "401 Unauthorized"})
		return
	}
	project, err := url.PathUnescape(r.PathValue("id"))
	if err != nil || !strings.Contains(r.URL.EscapedPath(), "%2F") {
		reply(w, http.StatusNotFound, map[string]any{"message": "404 Project Not Found (the path must be URL-encoded)"})
		return
	}
	if msg := decodeStrict(r, &body); msg != "" {
		reply(w, http.StatusBadRequest, map[string]any{"error": msg})
		return
	}
	title, draft := strings.CutPrefix(body.Title, "Draft: ")
	pr := PullRequest{Provider: "gitlab", Project: project, Head: body.SourceBranch, Base: body.TargetBranch, Title: title, Body: body.Description, Draft: draft}
	if msg := a.check(pr); msg != "" {
		reply(w, http.StatusBadRequest, map[string]any{"message": []string{msg}})
		return
	}
	n := a.record(pr)
	reply(w, http.StatusCreated, map[string]any{"iid": n, "web_url": fmt.Sprintf("https://gitlab.example/%s/-/merge_requests/%d", project, n), "state": "opened"})
}

// check returns why pr is invalid, or "".
func (a *PRAPI) check(pr PullRequest) string {
	switch {
	case pr.Title == "" || pr.Head == "" || pr.Base == "":
		return "title, head and base (source_branch, target_branch) are required"
	case pr.Head == pr.Base:
		return "head and base are the same branch"
	}
	for _, b := range []string{pr.Head, pr.Base} {
		if _, err := a.git.gitCommand(pr.Project, "rev-parse", "--verify", "refs/heads/"+b); err != nil {
			return fmt.Sprintf("the branch %q does not exist in %s", b, pr.Project)
		}
	}
	return ""
}

func (a *PRAPI) record(pr PullRequest) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.created = append(a.created, pr)
	return len(a.created)
}

// decodeStrict decodes the JSON body refusing unknown fields; it returns the problem or "".
func decodeStrict(r *http.Request, v any) string {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		return "Content-Type must be application/json"
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return "invalid body: " + err.Error()
	}
	return ""
}

func reply(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
