// Package gittest runs a real git server for the git actions' tests: Debian's git-http-backend
// (the smart HTTP protocol that GitHub, GitLab and Gitea speak) behind Go's CGI handler, over
// TLS on 127.0.0.1, with HTTP basic authentication in front. Repositories are created and
// inspected with the real git command, so the actions, which use go-git, are checked against
// the reference implementation rather than against themselves.
package gittest

import (
	"bytes"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// HTTPBackend is where Debian's git package installs the smart HTTP server.
const HTTPBackend = "/usr/lib/git-core/git-http-backend"

// Server is a git smart HTTP server on 127.0.0.1 that accepts one user.
type Server struct {
	// URL is the server's base URL, https://127.0.0.1:port.
	URL string
	// Root holds the bare repositories (GIT_PROJECT_ROOT).
	Root string
	// CA is the PEM certificate the server's TLS certificate chains to.
	CA []byte
	// Username and Password are the only credentials the server accepts.
	Username, Password string

	requests atomic.Int64
}

// Start starts a server accepting username and password; it stops when the test ends. It
// fails the test when git or git-http-backend is missing: these tests need the real thing.
func Start(t testing.TB, username, password string) *Server {
	t.Helper()
	for _, bin := range []string{HTTPBackend, gitBinary(t)} {
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("the git server needs %s (Debian package git): %v", bin, err)
		}
	}
	s := &Server{Root: t.TempDir(), Username: username, Password: password}
	backend := &cgi.Handler{
		Path: HTTPBackend,
		Root: "/",
		// REMOTE_USER enables receive-pack (push) in git-http-backend: the basic-auth
		// handler in front has authenticated the user.
		Env: []string{"GIT_PROJECT_ROOT=" + s.Root, "GIT_HTTP_EXPORT_ALL=1", "REMOTE_USER=" + username},
		// The server's complaints (a missing repository) are the tests' expected failures;
		// the client's error is what they check.
		Stderr: io.Discard,
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		user, pass, ok := r.BasicAuth()
		if !ok || user != s.Username || pass != s.Password {
			w.Header().Set("WWW-Authenticate", `Basic realm="gittest"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, r)
	}))
	// TLS handshake failures are what tests of a missing CA expect.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	s.CA = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	return s
}

// Requests is the number of HTTP requests the server has received, authenticated or not.
func (s *Server) Requests() int64 { return s.requests.Load() }

// NewRepo creates the bare repository name.git whose default branch is branch, with one
// commit holding files (path to content), and returns its clone URL.
func (s *Server) NewRepo(t testing.TB, name, branch string, files map[string]string) string {
	t.Helper()
	bare := filepath.Join(s.Root, name+".git")
	Git(t, s.Root, "init", "--quiet", "--bare", "--initial-branch="+branch, bare)
	work := t.TempDir()
	Git(t, work, "clone", "--quiet", bare, ".")
	Git(t, work, "checkout", "--quiet", "-b", branch)
	for p, content := range files {
		full := filepath.Join(work, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	Git(t, work, "add", "--all")
	Git(t, work, "commit", "--quiet", "-m", "seed")
	Git(t, work, "push", "--quiet", "origin", branch)
	return s.URL + "/" + name + ".git"
}

// gitCommand runs git in the bare repository name.git outside a test's goroutine (an HTTP
// handler), returning the error instead of failing a test.
func (s *Server) gitCommand(name string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = filepath.Join(s.Root, name+".git")
	cmd.Env = []string{"HOME=" + cmd.Dir, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "PATH=/usr/bin:/bin"}
	out, err := cmd.Output()
	return strings.TrimSpace(string(out)), err
}

// GitIn runs git in the bare repository name.git and returns its trimmed standard output.
func (s *Server) GitIn(t testing.TB, name string, args ...string) string {
	t.Helper()
	return Git(t, filepath.Join(s.Root, name+".git"), args...)
}

// Git runs the git command in dir with a hermetic configuration (no user or system config,
// a fixed identity) and returns its trimmed standard output; a failure fails the test.
func Git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, err := GitCommand(t, dir, args...)
	if err != nil {
		t.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// GitCommand is Git returning the error instead of failing, for checks that expect a failure
// (such as a branch that must not exist).
func GitCommand(t testing.TB, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), gitBinary(t), args...)
	cmd.Dir = dir
	cmd.Env = []string{
		"HOME=" + dir, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "PATH=/usr/bin:/bin",
		"GIT_AUTHOR_NAME=seed", "GIT_AUTHOR_EMAIL=seed@example.com",
		"GIT_COMMITTER_NAME=seed", "GIT_COMMITTER_EMAIL=seed@example.com",
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// gitBinary is the path of the git command; its absence fails the test.
func gitBinary(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("git")
	if err != nil {
		t.Fatalf("the tests need the git command (Debian package git): %v", err)
	}
	return p
}
