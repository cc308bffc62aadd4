package interop_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
	"github.com/kubernaut/kubernaut/internal/signing"
)

// TestCosignTUFLookupIsRefusedOnLoopback shows why the bundle signing in these tests passes
// --trusted-root: without it, cosign v3.1.3 tries to fetch the public Sigstore trusted root from
// tuf-repo-cdn.sigstore.dev for every bundle signature made with a signing config, even with a key
// and an empty config. Here that attempt reaches only the refusing egress proxy on 127.0.0.1, so it
// fails at once (no retry, no hang); cosign warns, signs with the key anyway, and the signature
// verifies. On a machine with network access the proxy is what keeps the test offline.
func TestCosignTUFLookupIsRefusedOnLoopback(t *testing.T) {
	t.Parallel()
	cosign := newCosign(t)
	keyPath, pubPath := cosign.generateKeyPair(t, cosignKeyPrefix)
	ref := registrytest.PushRandomImage(t, registrytest.Start(t).Host+"/actions/scale")

	run := cosign.run(t, "sign", "--key", keyPath, "--signing-config", signingConfigFile, "-y",
		"--allow-insecure-registry", ref.String())
	if run.err != nil {
		t.Fatalf("cosign sign without a trusted root: %v\n%s", run.err, run.stderr)
	}
	if !strings.Contains(run.stderr, "Could not fetch trusted_root.json from the TUF repository") {
		t.Errorf("cosign did not report the refused TUF lookup:\n%s", run.stderr)
	}

	if diff := cmp.Diff([]string{publicTUFHost}, cosign.egress.attempts()); diff != "" {
		t.Errorf("hosts cosign tried to reach (-want +got):\n%s", diff)
	}
	cosign.egress.reset() // the attempt was provoked on purpose; every later one is a failure
	mustCosignVerify(t, cosign, pubPath, ref)
	mustOurVerify(t, ref, signing.FormatBundle, loadPublicKey(t, pubPath))
}

// TestCosignSignsOfflineWithTheEmptyTrustedRoot is the counterpart: with --trusted-root, the way
// every other test signs, cosign makes no attempt to leave the machine and prints no TUF warning.
func TestCosignSignsOfflineWithTheEmptyTrustedRoot(t *testing.T) {
	t.Parallel()
	cosign := newCosign(t)
	keyPath, _ := cosign.generateKeyPair(t, cosignKeyPrefix)
	ref := registrytest.PushRandomImage(t, registrytest.Start(t).Host+"/actions/scale")

	run := cosign.run(t, "sign", "--key", keyPath, "--signing-config", signingConfigFile,
		"--trusted-root", trustedRootFile, "-y", "--allow-insecure-registry", ref.String())
	if run.err != nil {
		t.Fatalf("cosign sign: %v\n%s", run.err, run.stderr)
	}
	if strings.Contains(run.stderr, "TUF") {
		t.Errorf("cosign mentions TUF although it was given a trusted root:\n%s", run.stderr)
	}
	if attempts := cosign.egress.attempts(); len(attempts) != 0 {
		t.Errorf("cosign tried to reach %v", attempts)
	}
}
