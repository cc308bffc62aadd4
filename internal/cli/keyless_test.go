package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"

	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
	"github.com/kubernaut/kubernaut/internal/signing"
	"github.com/kubernaut/kubernaut/internal/signing/signingtest"
)

// TestVerifyKeylessFromTheCommandLine verifies what a CI's keyless `cosign sign` produces (a
// Fulcio certificate for the workflow identity and a Rekor entry; here from an in-memory
// VirtualSigstore) with cosign's flags, offline, against a trusted_root.json file.
func TestVerifyKeylessFromTheCommandLine(t *testing.T) {
	const (
		identity = "release@kubernaut.example"
		issuer   = "https://token.actions.githubusercontent.com"
	)
	reg := registrytest.Start(t).Host
	entrypoint, contractFile := exampleAction(t)
	ref := buildImage(t, reg, "actions/greet", entrypoint, contractFile)
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	digest, err := name.NewDigest(ref)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (signingtest.Keyless{CA: vs, Identity: identity, Issuer: issuer}).SignBundle(context.Background(), digest, signing.Options{}); err != nil {
		t.Fatalf("keyless signing: %v", err)
	}
	trustedRoot := signingtest.WriteTrustedRootFile(t, vs)
	other, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	untrusted := signingtest.WriteTrustedRootFile(t, other)

	base := []string{"verify", "--insecure-ignore-sct", "--certificate-oidc-issuer", issuer}
	run := func(extra ...string) cliResult { return runCLI(t, append(append(base, extra...), ref)...) }

	out := run("--certificate-identity", identity, "--trusted-root", trustedRoot).mustSucceed(t).stdout
	if !strings.Contains(out, "identity: "+identity) || !strings.Contains(out, "log index:") {
		t.Errorf("verify output does not report the identity and the log index:\n%s", out)
	}
	run("--certificate-identity-regexp", `^release@kubernaut\.example$`, "--trusted-root", trustedRoot).mustSucceed(t)
	run("--certificate-identity", "mallory@evil.example", "--trusted-root", trustedRoot).mustFail(t, exitError, "identity does not match")
	run("--certificate-identity", identity, "--trusted-root", untrusted).mustFail(t, exitError, "does not chain to the trusted root")
	run("--certificate-identity", identity).mustFail(t, exitUsage, "trusted root|TrustedMaterial|--trusted-root")
}
