package actionexecution_test

import (
	"context"
	"crypto"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/kubernaut/kubernaut/internal/image"
	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
	"github.com/kubernaut/kubernaut/internal/signing"
)

// The contracts of the test actions. scaleContract is the well-behaved one: required and
// defaulted inputs, a declared output, resources and namespaced permissions within the ceiling.
const (
	scaleContract = `apiVersion: kubernaut.ai/v1alpha1
kind: ActionContract
metadata:
  name: scale-test
  version: v1.2.3
spec:
  inputs:
    - name: deployment
      type: string
      required: true
    - name: replicas
      type: integer
      default: 3
      minimum: 0
  outputs:
    - name: previousReplicas
      type: integer
  resources:
    requests: {cpu: 10m, memory: 16Mi}
    limits: {cpu: 100m, memory: 32Mi}
  rbac:
    permissions:
      - apiGroups: [apps]
        resources: [deployments]
        verbs: [get, patch]
`
	privilegedContract = `apiVersion: kubernaut.ai/v1alpha1
kind: ActionContract
metadata:
  name: privileged-test
  version: v0.0.1
spec:
  resources:
    limits: {cpu: 100m, memory: 32Mi}
  rbac:
    permissions: []
  securityContext:
    privileged: true
`
	clusterContract = `apiVersion: kubernaut.ai/v1alpha1
kind: ActionContract
metadata:
  name: cluster-test
  version: v0.0.1
spec:
  resources:
    limits: {cpu: 100m, memory: 32Mi}
  rbac:
    permissions:
      - apiGroups: [""]
        resources: [nodes]
        verbs: [get, list]
        scope: Cluster
`
	greedyContract = `apiVersion: kubernaut.ai/v1alpha1
kind: ActionContract
metadata:
  name: greedy-test
  version: v0.0.1
spec:
  resources:
    limits: {cpu: 100m, memory: 32Mi}
  rbac:
    permissions:
      - apiGroups: [""]
        resources: [secrets]
        verbs: [get, list]
`
)

// signer is a cosign-format key pair generated for a test.
type signer struct {
	priv      crypto.Signer
	publicPEM []byte
}

func newSigner(t testing.TB) *signer {
	t.Helper()
	kp, err := signing.GenerateKeyPair(nil)
	if err != nil {
		t.Fatalf("generate key pair: %v", err)
	}
	priv, err := signing.LoadPrivateKey(kp.PrivatePEM, nil)
	if err != nil {
		t.Fatalf("load private key: %v", err)
	}
	return &signer{priv: priv, publicPEM: kp.PublicPEM}
}

// sign signs the image with a Sigstore bundle attached as an OCI referrer (cosign v3's default),
// writing to the registry with opts (credentials for a private one).
func (s *signer) sign(t testing.TB, ref name.Digest, opts ...remote.Option) {
	t.Helper()
	if _, err := signing.Sign(context.Background(), ref, s.priv, signing.Options{Remote: opts}); err != nil {
		t.Fatalf("sign %s: %v", ref, err)
	}
}

// pushAction builds an action image with the real builder from contractYAML and a stand-in
// entrypoint (envtest has no kubelet, so it never runs), pushes it to reg with opts (credentials
// for a private one) and returns its digest.
func pushAction(t testing.TB, reg *registrytest.Registry, repo, contractYAML string, opts ...remote.Option) name.Digest {
	t.Helper()
	dir := t.TempDir()
	contractFile := filepath.Join(dir, "action-contract.yaml")
	entrypoint := filepath.Join(dir, "entrypoint")
	if err := os.WriteFile(contractFile, []byte(contractYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(entrypoint, []byte("#!/bin/sh\necho '{}'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	img, err := image.Build(ctx, image.BuildOptions{EntrypointFile: entrypoint, ContractFile: contractFile})
	if err != nil {
		t.Fatalf("build action image: %v", err)
	}
	tag, err := name.NewTag(reg.Host + "/" + repo + ":v1")
	if err != nil {
		t.Fatal(err)
	}
	ref, err := image.Push(ctx, img, tag, opts...)
	if err != nil {
		t.Fatalf("push %s: %v", tag, err)
	}
	return ref
}
