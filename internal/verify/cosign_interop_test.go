package verify_test

import (
	"context"
	"crypto"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/kubernaut/kubernaut/internal/signing"
	"github.com/kubernaut/kubernaut/internal/testutil/tools"
	"github.com/kubernaut/kubernaut/internal/verify"
)

// cosignCLI runs the real cosign CLI (built into bin/ by `make test-tools`) in a scratch home.
// Outbound traffic is pointed at a dead proxy on 127.0.0.1, so a cosign that tried to reach the
// public Sigstore (TUF, Rekor, Fulcio) would fail instead of leaving the machine; the registry on
// 127.0.0.1 bypasses the proxy.
type cosignCLI struct {
	path string
	dir  string
}

func newCosignCLI(t *testing.T) *cosignCLI {
	t.Helper()
	return &cosignCLI{path: tools.Cosign(t), dir: t.TempDir()}
}

func (c *cosignCLI) run(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(context.Background(), c.path, args...)
	cmd.Dir = c.dir
	cmd.Env = []string{
		"HOME=" + c.dir,
		"PATH=" + os.Getenv("PATH"),
		"COSIGN_PASSWORD=interop",
		"HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9", "NO_PROXY=127.0.0.1,localhost",
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cosign %v: %v\n%s", args, err, out)
	}
	t.Logf("cosign %v:\n%s", args, out)
}

// publicKey generates a cosign key pair and returns the public key as Kubernaut loads cosign.pub.
func (c *cosignCLI) publicKey(t *testing.T) crypto.PublicKey {
	t.Helper()
	c.run(t, "generate-key-pair")
	pem, err := os.ReadFile(filepath.Join(c.dir, "cosign.pub"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := signing.LoadPublicKey(pem)
	if err != nil {
		t.Fatalf("loading cosign.pub: %v", err)
	}
	return pub
}

func TestVerify_acceptsWhatTheCosignCLISigns(t *testing.T) {
	bundleFlags := []string{"--signing-config", "empty.json"}
	legacyFlags := []string{"--new-bundle-format=false", "--use-signing-config=false", "--tlog-upload=false"}
	tests := []struct {
		name         string
		referrersAPI bool
		format       string
		signFlags    []string
	}{
		{name: "cosign v3's default, a bundle referrer, verifies", referrersAPI: true, format: verify.FormatBundle, signFlags: bundleFlags},
		{name: "a cosign bundle behind the referrers fallback tag verifies", format: verify.FormatBundle, signFlags: bundleFlags},
		{name: "a cosign legacy .sig signature verifies", referrersAPI: true, format: verify.FormatLegacy, signFlags: legacyFlags},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := startRegistry(t, tt.referrersAPI)
			ref := reg.pushImage(t, "actions/scale")
			cosign := newCosignCLI(t)
			pub := cosign.publicKey(t)
			if tt.format == verify.FormatBundle {
				// An empty signing config names no Rekor, Fulcio or TSA: a key signature, offline.
				cosign.run(t, "signing-config", "create", "--out", "empty.json")
			}
			args := append([]string{"sign", "--key", "cosign.key", "-y", "--allow-insecure-registry"}, tt.signFlags...)
			cosign.run(t, append(args, ref.String())...)

			p := mustCompile(t, verify.PolicyOptions{Keys: []crypto.PublicKey{pub}, TLog: verify.TLogDisabled})
			got, err := newVerifier(t).Verify(context.Background(), ref.String(), p)
			if err != nil {
				t.Fatalf("Verify of cosign's signature: %v", err)
			}
			if got.Format != tt.format || got.KeyID != signing.KeyID(pub) {
				t.Errorf("Format, KeyID = %q, %q; want %q, %q", got.Format, got.KeyID, tt.format, signing.KeyID(pub))
			}
		})
	}
}
