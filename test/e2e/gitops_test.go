//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/catalog"
)

// The git server's only account. The password is also the pull-request API's token.
const (
	gitUser     = "kubernaut-bot"
	gitPassword = "e2e-not-a-real-token-7d1f3c"
	// gitRepo is the repository's path on the server, and so the GitHub project of its PRs.
	gitRepo = "platform/payment-service-config"
	// gitBackend is where Debian's git package installs the smart HTTP server.
	gitBackend = "/usr/lib/git-core/git-http-backend"
)

// seedDeployment is the file the workflow changes: the seed's payment-service at 3 replicas.
const seedDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: payment-service
spec:
  # scaled by kubernaut remediations
  replicas: 3
`

// TestGitOps_theSeedsPullRequestWorkflowRunsAgainstARealGitServer runs the seed's GitOps
// workflow (workflowType gitops-pr-creation: clone → modify → commit → push → pull request,
// in sequence on a shared workspace, the commit's output passed on) with the signed git actions
// of the catalogue, against Debian's git-http-backend and a GitHub-style pull-request API, both
// behind basic auth over TLS on the node's address (a pod cannot reach the host's 127.0.0.1).
// The credentials come only from a Secret bound to the steps with `credentials: {git: ...}`.
func TestGitOps_theSeedsPullRequestWorkflowRunsAgainstARealGitServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	server := startGitServer(t)
	server.newRepo(t, map[string]string{"apps/payment-service/deployment.yaml": seedDeployment})
	key := newSigner(t)
	entries := publishGitActions(t, ctx, key)
	c := deployManager(t, ctx, key, entries)

	ns := createWorkflowNamespace(t, ctx, c, "e2e-gitops-")
	createGitSecret(t, ctx, ns, "gitops-repo-creds", server.caPEM)
	done := runWorkflow(t, ctx, c, gitOpsWorkflow(ns, server, "gitops-repo-creds"))
	assertPhase(t, done, workflowv1alpha1.WorkflowCompleted)

	commit := outputsOf(t, done.Status.StepStatus("git-commit"))
	branch, sha := commit["branch"].(string), commit["commit"].(string)
	t.Run("the remediation branch holds the commit, with the file changed and main untouched", func(t *testing.T) {
		if got := server.git(t, "rev-parse", "refs/heads/"+branch); got != sha {
			t.Errorf("branch %s is at %s, want the commit step's %s", branch, got, sha)
		}
		file := server.git(t, "show", sha+":apps/payment-service/deployment.yaml")
		if want := strings.Replace(seedDeployment, "replicas: 3", "replicas: 10", 1); file+"\n" != want {
			t.Errorf("file on %s:\n%s\nwant:\n%s", branch, file, want)
		}
		if got := server.git(t, "rev-parse", sha+"^"); got != server.seedCommit {
			t.Errorf("the commit's parent is %s, want main's %s", got, server.seedCommit)
		}
		if got := server.git(t, "rev-parse", "refs/heads/main"); got != server.seedCommit {
			t.Errorf("main moved to %s", got)
		}
	})
	t.Run("exactly one pull request was opened from the branch onto main", func(t *testing.T) {
		want := []pullRequest{{Project: gitRepo, Head: branch, Base: "main", Title: "kubernaut: scale payment-service",
			Body: "Remediation commit " + sha}}
		if diff := cmp.Diff(want, server.pullRequests()); diff != "" {
			t.Errorf("pull requests (-want +got):\n%s", diff)
		}
		pr := outputsOf(t, done.Status.StepStatus("git-create-pr"))
		if pr["number"] != float64(1) || pr["head"] != branch {
			t.Errorf("create-pr outputs %v, want number 1 from %s", pr, branch)
		}
	})
	t.Run("the credential reached the steps only as a Secret, never in status", func(t *testing.T) {
		if strings.Contains(statusJSON(done), gitPassword) {
			t.Error("the workflow's status contains the password")
		}
		for _, step := range []string{"git-clone", "git-push", "git-create-pr"} {
			children := childrenOf(t, ctx, c, done, step)
			if len(children) != 1 {
				t.Fatalf("step %s has %d ActionExecutions, want 1", step, len(children))
			}
			ae := children[0]
			if diff := cmp.Diff(map[string]executionv1alpha1.SecretName{"git": "gitops-repo-creds"}, ae.Spec.Credentials); diff != "" {
				t.Errorf("ActionExecution %s credentials (-want +got):\n%s", ae.Name, diff)
			}
			assertGitSecretMounted(t, ctx, &ae)
		}
	})
	t.Run("a credential the action's contract does not declare fails the step before it runs", func(t *testing.T) {
		undeclaredCredential(t, ctx, c, ns)
	})
}

// assertGitSecretMounted checks the Job of ae: the Secret as a read-only volume at the git
// actions' directory, and nothing of it in the environment.
func assertGitSecretMounted(t *testing.T, ctx context.Context, ae *executionv1alpha1.ActionExecution) {
	t.Helper()
	if ae.Status.JobRef == nil {
		t.Fatalf("ActionExecution %s has no Job", ae.Name)
	}
	job, err := suite.client.BatchV1().Jobs(ae.Namespace).Get(ctx, ae.Status.JobRef.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod := job.Spec.Template.Spec
	secrets := map[string]string{}
	for _, v := range pod.Volumes {
		if v.Secret != nil {
			secrets[v.Name] = v.Secret.SecretName
		}
	}
	var mounts []string
	for _, m := range pod.Containers[0].VolumeMounts {
		if name, ok := secrets[m.Name]; ok {
			mounts = append(mounts, fmt.Sprintf("%s at %s readOnly=%t", name, m.MountPath, m.ReadOnly))
		}
	}
	if diff := cmp.Diff([]string{"gitops-repo-creds at /var/run/secrets/kubernaut/git readOnly=true"}, mounts); diff != "" {
		t.Errorf("Job %s secret mounts (-want +got):\n%s", job.Name, diff)
	}
	for _, e := range pod.Containers[0].Env {
		if e.ValueFrom != nil || strings.Contains(e.Value, gitPassword) {
			t.Errorf("Job %s passes %s in the environment", job.Name, e.Name)
		}
	}
}

// gitOpsWorkflow is the seed's workflow (config/samples/workflowexecution_gitops.yaml) for the
// git actions of the catalogue: push and the pull request are two actions there, and the
// repository, API and Secret are the test's.
func gitOpsWorkflow(ns string, server *gitServer, secret string) *workflowv1alpha1.WorkflowExecution {
	creds := map[string]workflowv1alpha1.SecretName{"git": workflowv1alpha1.SecretName(secret)}
	step := func(name, actionType, inputs string, runAfter ...string) workflowv1alpha1.WorkflowStep {
		return workflowv1alpha1.WorkflowStep{Name: name, ActionType: actionType, Inputs: rawJSON(inputs),
			RunAfter: runAfter, UsesWorkspace: true}
	}
	clone := step("git-clone", "git/clone", fmt.Sprintf(`{"repository":%q,"branch":"main"}`, server.url+"/"+gitRepo+".git"))
	clone.Credentials = creds
	push := step("git-push", "git/push", `{}`, "git-commit")
	push.Credentials = creds
	pr := step("git-create-pr", "git/create-pr", fmt.Sprintf(`{"provider":"github","apiURL":%q,"base":"main",`+
		`"title":"kubernaut: scale payment-service","body":"Remediation commit $(steps.git-commit.outputs.commit)"}`, server.url), "git-push")
	pr.Credentials = creds
	return &workflowv1alpha1.WorkflowExecution{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "gitops-pr-payment-service"},
		Spec: workflowv1alpha1.WorkflowExecutionSpec{
			WorkflowType: "gitops-pr-creation",
			Steps: []workflowv1alpha1.WorkflowStep{
				clone,
				step("modify-deployment", "git/modify-file",
					`{"path":"apps/payment-service/deployment.yaml","mergePatch":{"spec":{"replicas":10}}}`, "git-clone"),
				step("git-commit", "git/commit", `{"message":"Scale payment-service to 10 replicas (kubernaut remediation)"}`, "modify-deployment"),
				push,
				pr,
			},
		},
	}
}

// undeclaredCredential binds git to git/commit, whose contract declares no credential.
func undeclaredCredential(t *testing.T, ctx context.Context, c client.Client, ns string) {
	wfe := newWorkflow(ns, "undeclared", workflowv1alpha1.WorkflowStep{
		Name: "git-commit", ActionType: "git/commit", Inputs: rawJSON(`{"message":"never"}`),
		Credentials: map[string]workflowv1alpha1.SecretName{"git": "gitops-repo-creds"},
	})
	done := runWorkflow(t, ctx, c, wfe)
	assertPhase(t, done, workflowv1alpha1.WorkflowFailed)
	step := done.Status.StepStatus("git-commit")
	if step.Reason != executionv1alpha1.InvalidInputsReason || !strings.Contains(step.Message, "spec.credentials.git") {
		t.Errorf("step reason %q, message %q; want InvalidInputs naming spec.credentials.git", step.Reason, step.Message)
	}
}

// publishGitActions builds, pushes and signs the five git actions of the catalogue, as `make
// actions` does, and returns their registry entries.
func publishGitActions(t *testing.T, ctx context.Context, key signer) map[string]string {
	t.Helper()
	all, err := catalog.Discover(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	var git []catalog.Action
	for _, a := range all {
		if strings.HasPrefix(a.Type, "git/") {
			git = append(git, a)
		}
	}
	if len(git) != 5 {
		t.Fatalf("found %d git actions in the catalogue, want clone, modify-file, commit, push and create-pr", len(git))
	}
	published, err := catalog.Publish(ctx, git, catalog.PublishOptions{
		Registry: suite.cluster.Registry + "/e2e/actions", Signer: key.private, Progress: testLog{t},
	})
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string]string{}
	for _, p := range published {
		entries[p.Type] = p.Image
	}
	return entries
}

// createGitSecret creates the Secret the git actions read: username, password and the CA.
func createGitSecret(t *testing.T, ctx context.Context, ns, name string, caPEM []byte) {
	t.Helper()
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Data:       map[string][]byte{"username": []byte(gitUser), "password": []byte(gitPassword), "ca.crt": caPEM},
	}
	if _, err := suite.client.CoreV1().Secrets(ns).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// pullRequest is a pull request the API accepted.
type pullRequest struct{ Project, Head, Base, Title, Body string }

// gitServer serves the bare repositories under root with git-http-backend, and GitHub's
// create-pull-request endpoint, over TLS on the node's address with basic auth.
type gitServer struct {
	url, root  string
	caPEM      []byte
	seedCommit string
	mu         sync.Mutex
	created    []pullRequest
}

// startGitServer starts the server on the node's address; it stops when the test ends. A
// missing git or git-http-backend fails the test: it needs the real thing.
func startGitServer(t *testing.T) *gitServer {
	t.Helper()
	for _, bin := range []string{gitBackend, gitBinary(t)} {
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("the git server needs %s (Debian package git): %v", bin, err)
		}
	}
	nodeIP, _, err := net.SplitHostPort(suite.cluster.NodeRegistry)
	if err != nil || nodeIP == "" {
		t.Fatalf("the dev cluster records no node address (%q: %v); pods could not reach the git server", suite.cluster.NodeRegistry, err)
	}
	cert, caPEM := nodeCertificate(t, net.ParseIP(nodeIP))
	ln, err := tls.Listen("tcp", net.JoinHostPort(nodeIP, "0"), &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	s := &gitServer{url: "https://" + ln.Addr().String(), root: t.TempDir(), caPEM: caPEM}
	backend := &cgi.Handler{Path: gitBackend, Root: "/", Stderr: io.Discard,
		// REMOTE_USER enables receive-pack (push): the handler in front authenticated the user.
		Env: []string{"GIT_PROJECT_ROOT=" + s.root, "GIT_HTTP_EXPORT_ALL=1", "REMOTE_USER=" + gitUser}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /repos/{owner}/{repo}/pulls", s.createPullRequest)
	mux.Handle("/", backend)
	srv := &http.Server{ErrorLog: log.New(io.Discard, "", 0), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user, pass, ok := r.BasicAuth(); (!ok || user != gitUser || pass != gitPassword) && !strings.HasPrefix(r.URL.Path, "/repos/") {
			w.Header().Set("WWW-Authenticate", `Basic realm="e2e"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// createPullRequest checks a request against GitHub's documented create-pull-request schema
// (POST /repos/{owner}/{repo}/pulls: bearer token, JSON body of known fields, title, head and
// base required) and that both branches exist, then records it.
func (s *gitServer) createPullRequest(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Title, Head, Base, Body string
		Draft                   bool   `json:"draft"`
		MaintainerCanModify     *bool  `json:"maintainer_can_modify"`
		HeadRepo                string `json:"head_repo"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	switch {
	case r.Header.Get("Authorization") != "Bearer "+gitPassword:
		replyJSON(w, http.StatusUnauthorized, map[string]any{"message": "Bad credentials"})
		return
	case r.Header.Get("Accept") != "application/vnd.github+json" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
		replyJSON(w, http.StatusBadRequest, map[string]any{"message": "Accept and Content-Type must be GitHub's JSON types"})
		return
	case dec.Decode(&body) != nil || body.Title == "" || body.Head == "" || body.Base == "":
		replyJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": "Validation Failed: title, head and base are required"})
		return
	}
	project := r.PathValue("owner") + "/" + r.PathValue("repo")
	for _, b := range []string{body.Head, body.Base} {
		if _, err := s.gitCommand("rev-parse", "--verify", "refs/heads/"+b); err != nil {
			replyJSON(w, http.StatusUnprocessableEntity, map[string]any{"message": fmt.Sprintf("Validation Failed: no branch %q", b)})
			return
		}
	}
	s.mu.Lock()
	s.created = append(s.created, pullRequest{Project: project, Head: body.Head, Base: body.Base, Title: body.Title, Body: body.Body})
	n := len(s.created)
	s.mu.Unlock()
	replyJSON(w, http.StatusCreated, map[string]any{"number": n, "html_url": fmt.Sprintf("%s/%s/pull/%d", s.url, project, n), "state": "open"})
}

func (s *gitServer) pullRequests() []pullRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]pullRequest(nil), s.created...)
}

// newRepo creates the bare repository gitRepo with one commit of files on main.
func (s *gitServer) newRepo(t *testing.T, files map[string]string) {
	t.Helper()
	bare := filepath.Join(s.root, gitRepo+".git")
	runGit(t, s.root, "init", "--quiet", "--bare", "--initial-branch=main", bare)
	work := t.TempDir()
	runGit(t, work, "clone", "--quiet", bare, ".")
	for p, content := range files {
		full := filepath.Join(work, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	runGit(t, work, "checkout", "--quiet", "-b", "main")
	runGit(t, work, "add", "--all")
	runGit(t, work, "commit", "--quiet", "-m", "seed")
	runGit(t, work, "push", "--quiet", "origin", "main")
	s.seedCommit = s.git(t, "rev-parse", "refs/heads/main")
}

// git runs git in the bare repository and returns its trimmed output.
func (s *gitServer) git(t *testing.T, args ...string) string {
	t.Helper()
	out, err := s.gitCommand(args...)
	if err != nil {
		t.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func (s *gitServer) gitCommand(args ...string) (string, error) {
	return gitIn(filepath.Join(s.root, gitRepo+".git"), args...)
}

func runGit(t *testing.T, dir string, args ...string) {
	t.Helper()
	if _, err := gitIn(dir, args...); err != nil {
		t.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
}

// gitIn runs git in dir with a hermetic configuration and a fixed identity.
func gitIn(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + dir, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "PATH=/usr/bin:/bin",
		"GIT_AUTHOR_NAME=seed", "GIT_AUTHOR_EMAIL=seed@example.com", "GIT_COMMITTER_NAME=seed", "GIT_COMMITTER_EMAIL=seed@example.com"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

func gitBinary(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("git")
	if err != nil {
		t.Fatalf("the git server needs the git command (Debian package git): %v", err)
	}
	return p
}

// nodeCertificate issues a TLS certificate for ip from a CA made for the test, and returns it
// with the CA's PEM, which the git Secret carries as ca.crt.
func nodeCertificate(t *testing.T, ip net.IP) (tls.Certificate, []byte) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTemplate := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kubernaut e2e git CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafTemplate := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: ip.String()},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IPAddresses: []net.IP{ip},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTemplate, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	cert := tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: leafKey}
	return cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
}

func replyJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
