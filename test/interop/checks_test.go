package interop_test

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kubernaut/kubernaut/internal/signing"
	"github.com/kubernaut/kubernaut/internal/verify"
)

// ourSign signs ref with Kubernaut's signer in format.
func ourSign(t *testing.T, format signing.Format, signer crypto.Signer, ref name.Digest) {
	t.Helper()
	opts := signing.Options{Format: format, Remote: []remote.Option{remote.WithContext(t.Context())}}
	if _, err := signing.Sign(t.Context(), ref, signer, opts); err != nil {
		t.Fatalf("signing %s in the %s format: %v", ref, format, err)
	}
}

// ourVerify verifies ref with Kubernaut's verifier against keys, the tlog ignored as by cosign's
// --insecure-ignore-tlog. The verifier is anonymous (no docker config) and does not cache.
func ourVerify(t *testing.T, ref name.Digest, keys ...crypto.PublicKey) (*verify.Result, error) {
	t.Helper()
	policy, err := verify.Compile(verify.PolicyOptions{Keys: keys, TLog: verify.TLogDisabled, RequireDigest: true})
	if err != nil {
		t.Fatalf("compiling the key policy: %v", err)
	}
	verifier, err := verify.NewVerifier(verify.WithRemoteOptions(nil), verify.WithCacheTTL(0, 0))
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return verifier.Verify(context.Background(), ref.String(), policy)
}

// mustOurVerify verifies ref like ourVerify and checks the result names the image, the format and
// the key that signed it.
func mustOurVerify(t *testing.T, ref name.Digest, format signing.Format, pub crypto.PublicKey) {
	t.Helper()
	got, err := ourVerify(t, ref, pub)
	if err != nil {
		t.Fatalf("our verifier rejected the signature: %v", err)
	}
	want := &verify.Result{
		Digest:     ref.DigestStr(),
		Repository: ref.Context().Name(),
		Format:     string(format),
		KeyID:      signing.KeyID(pub),
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(verify.Result{}, "VerifiedAt")); diff != "" {
		t.Errorf("verification result (-want +got):\n%s", diff)
	}
}

// mustCosignVerify runs `cosign verify` and fails unless it exits 0 and every payload it prints
// claims ref's digest.
func mustCosignVerify(t *testing.T, c *cosignCLI, pubPath string, ref name.Digest) {
	t.Helper()
	run := c.verify(t, pubPath, ref)
	if run.err != nil {
		t.Fatalf("cosign verify rejected the signature: %v\nstderr:\n%s", run.err, run.stderr)
	}
	var payloads []struct {
		Critical struct {
			Image struct {
				Digest string `json:"docker-manifest-digest"`
			} `json:"image"`
		} `json:"critical"`
	}
	if err := json.Unmarshal([]byte(run.stdout), &payloads); err != nil {
		t.Fatalf("cosign verify printed no JSON payloads: %v\nstdout:\n%s", err, run.stdout)
	}
	if len(payloads) == 0 {
		t.Fatal("cosign verify exited 0 but printed no verified payload")
	}
	for i, p := range payloads {
		if p.Critical.Image.Digest != ref.DigestStr() {
			t.Errorf("payload %d claims digest %q, want %q", i, p.Critical.Image.Digest, ref.DigestStr())
		}
	}
}

// mustCosignRefuse runs `cosign verify` and fails unless it exits non-zero with wantStderr.
func mustCosignRefuse(t *testing.T, c *cosignCLI, pubPath string, ref name.Digest, wantStderr string) {
	t.Helper()
	run := c.verify(t, pubPath, ref)
	var exit *exec.ExitError
	if !errors.As(run.err, &exit) {
		t.Fatalf("cosign verify: got %v, want a non-zero exit\nstdout:\n%s", run.err, run.stdout)
	}
	if !strings.Contains(run.stderr, wantStderr) {
		t.Errorf("cosign verify stderr does not say %q:\n%s", wantStderr, run.stderr)
	}
}

// readFile reads a file the test or cosign wrote.
func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
