//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/devcluster"
	"github.com/kubernaut/kubernaut/internal/devcluster/deploy"
	"github.com/kubernaut/kubernaut/internal/image"
	"github.com/kubernaut/kubernaut/internal/signing"
)

// deployManager deploys Kubernaut into the dev cluster exactly as `kubernaut dev deploy` does:
// the manager built from source by the project's builder, config/default, the registry entries
// (action type → digest reference) and key as the only trusted signer. It waits until the
// manager is available, removes everything when the test ends, and returns a client that knows
// ActionExecutions.
func deployManager(t *testing.T, ctx context.Context, key signer, entries map[string]string) client.Client {
	t.Helper()
	images, err := deploy.BuildDevImages(ctx, suite.cluster.Registry, deploy.ImageOptions{Tag: "e2e"})
	if err != nil {
		t.Fatal(err)
	}
	binDir := suite.config.BinDir
	if binDir == "" {
		if binDir, err = devcluster.DefaultBinDir(); err != nil {
			t.Fatal(err)
		}
	}
	opts, err := deploy.DevClusterOptions(suite.cluster, filepath.Join(binDir, "kubectl"), images)
	if err != nil {
		t.Fatal(err)
	}
	registry := &deploy.ActionRegistry{Entries: map[string]deploy.RegistryEntry{}, TrustedKeys: [][]byte{key.publicPEM}}
	for actionType, ref := range entries {
		registry.Entries[actionType] = deploy.RegistryEntry{Image: ref}
	}
	opts.ActionRegistry, opts.Progress = registry, testLog{t}
	t.Cleanup(func() {
		// A fresh context: the test's may have ended. Runs after the subtests' own cleanups,
		// which delete their runs while the manager can still release their finalizers.
		cctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if err := deploy.Remove(cctx, opts); err != nil {
			t.Errorf("removing config/default: %v", err)
		}
	})
	res, err := deploy.Deploy(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("manager %s available in %.1fs (pods %v)", res.ManagerImage, res.Elapsed.Seconds(), res.Pods)
	return newClient(t)
}

// testLog writes Deploy's progress lines into the test log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func newClient(t *testing.T) client.Client {
	t.Helper()
	rc, err := clientcmd.BuildConfigFromFlags("", suite.cluster.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	// The client logs through controller-runtime's logger; without one it prints a warning.
	ctrllog.SetLogger(logr.Discard())
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{executionv1alpha1.AddToScheme, workflowv1alpha1.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	c, err := client.New(rc, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pushAction builds the Go action in pkgDir with contractFile (which need not be the package's
// own contract) and pushes it as repo:latest, returning its digest reference.
func pushAction(t *testing.T, ctx context.Context, repo, pkgDir, contractFile string) string {
	t.Helper()
	dir, err := filepath.Abs(pkgDir)
	if err != nil {
		t.Fatal(err)
	}
	img, err := image.BuildGoAction(ctx, dir, contractFile, image.BuildOptions{})
	if err != nil {
		t.Fatalf("build action %s with %s: %v", pkgDir, contractFile, err)
	}
	tag, err := name.NewTag(suite.cluster.Registry+"/"+repo+":latest", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	digest, err := image.Push(ctx, img, tag)
	if err != nil {
		t.Fatalf("push %s: %v", repo, err)
	}
	return digest.String()
}

// signer is a cosign key pair made for the test.
type signer struct {
	publicPEM []byte
	private   crypto.Signer
}

func newSigner(t *testing.T) signer {
	t.Helper()
	kp, err := signing.GenerateKeyPair(nil)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := signing.LoadPrivateKey(kp.PrivatePEM, nil)
	if err != nil {
		t.Fatal(err)
	}
	return signer{publicPEM: kp.PublicPEM, private: priv}
}

// sign signs ref (REPO@sha256:...) in the registry, as `cosign sign --key` v2 does (legacy
// `.sig` tag).
func (s signer) sign(t *testing.T, ctx context.Context, ref string) {
	t.Helper()
	digest, err := name.NewDigest(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signing.Sign(ctx, digest, s.private, signing.Options{Format: signing.FormatLegacy}); err != nil {
		t.Fatalf("signing %s: %v", ref, err)
	}
}

// tamperedCopy is what an attacker who can push but holds no key does: it appends a layer to
// the signed image signedRef, pushes the result to the same repository and copies signedRef's
// legacy signature, untouched, onto the new digest. It returns the new digest reference.
func tamperedCopy(t *testing.T, ctx context.Context, signedRef string) string {
	t.Helper()
	signed, err := name.NewDigest(signedRef, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	original, err := remote.Image(signed, remote.WithContext(ctx))
	if err != nil {
		t.Fatalf("pulling %s: %v", signedRef, err)
	}
	extra, err := random.Layer(512, types.OCILayer)
	if err != nil {
		t.Fatal(err)
	}
	modified, err := mutate.AppendLayers(original, extra)
	if err != nil {
		t.Fatal(err)
	}
	tampered, err := image.Push(ctx, modified, signed.Context().Tag("tampered"))
	if err != nil {
		t.Fatalf("pushing the tampered image: %v", err)
	}
	payload, sig := legacySignature(t, ctx, signed)
	if _, err := signing.AttachLegacy(ctx, tampered, payload, sig, nil, signing.Options{}); err != nil {
		t.Fatalf("copying the signature to %s: %v", tampered, err)
	}
	return tampered.String()
}

// legacySignature reads the newest signature of ref's `.sig` image: the signed payload and the
// base64 signature.
func legacySignature(t *testing.T, ctx context.Context, ref name.Digest) (payload, sig []byte) {
	t.Helper()
	sigImage, err := remote.Image(signing.LegacySignatureTag(ref), remote.WithContext(ctx))
	if err != nil {
		t.Fatalf("reading the signature of %s: %v", ref, err)
	}
	manifest, err := sigImage.Manifest()
	if err != nil || len(manifest.Layers) == 0 {
		t.Fatalf("signature manifest of %s: %v (%d layers)", ref, err, len(manifest.Layers))
	}
	layers, err := sigImage.Layers()
	if err != nil {
		t.Fatal(err)
	}
	// The newest signature is the test's own: a reused cluster's registry keeps the signatures
	// earlier runs made of the same reproducible image with their own, now untrusted, keys.
	last := len(layers) - 1
	rc, err := layers[last].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, rc); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), []byte(manifest.Layers[last].Annotations[signing.AnnotationSignature])
}
