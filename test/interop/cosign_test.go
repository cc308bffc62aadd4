// Package interop_test checks, with the real cosign CLI v3.1.3 (built into bin/ by `make
// test-tools`), that Kubernaut's signatures, keys and verifier are interchangeable with cosign's in
// both directions and in both storage formats: the Sigstore bundle attached as an OCI referrer
// (cosign v3's default) and the legacy `sha256-<hex>.sig` tag.
//
// Everything stays on 127.0.0.1. cosign runs in a scratch HOME with an empty environment, and its
// outbound HTTP(S) goes to a proxy on 127.0.0.1 that refuses and records every request (loopback
// traffic, the registry, bypasses proxies). So a cosign that tried to reach the public Sigstore
// (TUF, Rekor, Fulcio) fails at once instead of leaving the machine, and the test reports it.
//
// cosign is a test tool only; nothing in Kubernaut links or runs it.
package interop_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/kubernaut/kubernaut/internal/signing"
	"github.com/kubernaut/kubernaut/internal/testutil/tools"
)

const (
	// cosignPassword encrypts every key the tests write; cosign reads it from COSIGN_PASSWORD.
	cosignPassword = "interop-password"
	// cosignTimeout bounds one cosign run, so that a cosign waiting on the network fails the test
	// with its output rather than hanging until `go test` kills the whole binary.
	cosignTimeout = 2 * time.Minute
	// signingConfigFile is written by `cosign signing-config create` with no flags: it names no
	// Fulcio, Rekor or TSA, so a bundle signature is made with the key alone, offline.
	signingConfigFile = "signing-config.json"
	// trustedRootFile is an empty Sigstore trusted root. Handing it to `cosign sign --trusted-root`
	// stops cosign from fetching the public trusted root over TUF, which it otherwise attempts for
	// every bundle signature with a signing config, even with a key (see
	// TestCosignTUFLookupIsRefusedOnLoopback).
	trustedRootFile  = "trusted-root.json"
	emptyTrustedRoot = `{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`
	cosignKeyPrefix  = "cosign"
	// publicTUFHost is where cosign looks for the public Sigstore trusted root.
	publicTUFHost = "tuf-repo-cdn.sigstore.dev:443"
)

// cosignCLI runs the real cosign CLI in a scratch directory that is its HOME, its working
// directory and its TUF cache.
type cosignCLI struct {
	path   string
	dir    string
	egress *egressRecorder
}

// cosignRun is the outcome of one cosign run.
type cosignRun struct {
	args           []string
	stdout, stderr string
	err            error // nil when cosign exited 0
}

// newCosign prepares a cosign home with an offline signing config and an empty trusted root. At
// the end of the test it fails the test if cosign tried to reach anything beyond loopback.
func newCosign(t *testing.T) *cosignCLI {
	t.Helper()
	c := &cosignCLI{path: tools.Cosign(t), dir: t.TempDir(), egress: newEgressRecorder(t)}
	c.mustRun(t, "signing-config", "create", "--out", signingConfigFile)
	if err := os.WriteFile(c.file(trustedRootFile), []byte(emptyTrustedRoot), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if attempts := c.egress.attempts(); len(attempts) > 0 {
			t.Errorf("cosign tried to reach %v beyond 127.0.0.1; the egress proxy refused it", attempts)
		}
	})
	return c
}

// file returns the path of name in cosign's directory.
func (c *cosignCLI) file(name string) string { return filepath.Join(c.dir, name) }

// run runs cosign with args and returns its outcome; a non-zero exit is not a test failure.
func (c *cosignCLI) run(t *testing.T, args ...string) cosignRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), cosignTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.path, args...)
	cmd.Dir = c.dir
	// Not inherited: the developer's docker config, proxies and Sigstore settings stay out.
	cmd.Env = []string{
		"HOME=" + c.dir,
		"DOCKER_CONFIG=" + c.file("docker"),
		"TUF_ROOT=" + c.file("tuf"),
		"SIGSTORE_NO_CACHE=true",
		"COSIGN_PASSWORD=" + cosignPassword,
		"HTTP_PROXY=" + c.egress.url(), "HTTPS_PROXY=" + c.egress.url(),
		"NO_PROXY=127.0.0.1,localhost",
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("cosign %s hung for %s (waiting on the network?); stderr:\n%s",
			strings.Join(args, " "), cosignTimeout, stderr.String())
	}
	run := cosignRun{args: args, stdout: stdout.String(), stderr: stderr.String(), err: err}
	t.Logf("cosign %s: exit %v\n%s", strings.Join(args, " "), err, run.stderr)
	return run
}

// mustRun runs cosign and fails the test unless it exits 0; it returns stdout.
func (c *cosignCLI) mustRun(t *testing.T, args ...string) string {
	t.Helper()
	run := c.run(t, args...)
	if run.err != nil {
		t.Fatalf("cosign %s: %v\nstderr:\n%s", strings.Join(args, " "), run.err, run.stderr)
	}
	return run.stdout
}

// generateKeyPair runs `cosign generate-key-pair` and returns the paths of PREFIX.key (encrypted
// with cosignPassword) and PREFIX.pub.
func (c *cosignCLI) generateKeyPair(t *testing.T, prefix string) (keyPath, pubPath string) {
	t.Helper()
	c.mustRun(t, "generate-key-pair", "--output-key-prefix", prefix)
	return c.file(prefix + ".key"), c.file(prefix + ".pub")
}

// sign runs `cosign sign --key` in format: for FormatBundle cosign v3's default (a bundle
// referrer) with the offline signing config, for FormatLegacy the cosign v2 `.sig` tag with the
// transparency log off.
func (c *cosignCLI) sign(t *testing.T, format signing.Format, keyPath string, ref name.Digest) {
	t.Helper()
	args := []string{"sign", "--key", keyPath, "-y", "--allow-insecure-registry"}
	switch format {
	case signing.FormatBundle:
		args = append(args, "--signing-config", signingConfigFile, "--trusted-root", trustedRootFile)
	case signing.FormatLegacy:
		args = append(args, "--new-bundle-format=false", "--use-signing-config=false", "--tlog-upload=false")
	default:
		t.Fatalf("cosign sign: unknown format %q", format)
	}
	c.mustRun(t, append(args, ref.String())...)
}

// verify runs `cosign verify --key PUB --insecure-ignore-tlog`, exactly the command the issue
// promises users, and returns the outcome.
func (c *cosignCLI) verify(t *testing.T, pubPath string, ref name.Digest) cosignRun {
	t.Helper()
	return c.run(t, "verify", "--key", pubPath, "--insecure-ignore-tlog", "--allow-insecure-registry", ref.String())
}

// egressRecorder is an HTTP proxy on 127.0.0.1 that refuses every request and remembers where it
// was going, so that tests can prove cosign never left the machine.
type egressRecorder struct {
	server  *httptest.Server
	mu      sync.Mutex
	targets []string
}

func newEgressRecorder(t *testing.T) *egressRecorder {
	t.Helper()
	r := &egressRecorder{}
	r.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		target := req.Host // CONNECT host:port for HTTPS, the absolute URL's host for HTTP
		r.mu.Lock()
		r.targets = append(r.targets, target)
		r.mu.Unlock()
		http.Error(w, "the interop tests allow no traffic beyond 127.0.0.1", http.StatusForbidden)
	}))
	t.Cleanup(r.server.Close)
	return r
}

func (r *egressRecorder) url() string { return r.server.URL }

// attempts returns the distinct hosts cosign tried to reach, sorted.
func (r *egressRecorder) attempts() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.Clone(r.targets)
	slices.Sort(out)
	return slices.Compact(out)
}

// reset forgets the attempts so far (for a test that provokes one on purpose).
func (r *egressRecorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.targets = nil
}
