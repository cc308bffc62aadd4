//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/internal/image"
	"github.com/kubernaut/kubernaut/internal/signing"
)

// The shipped deployment, as config/default names it.
const (
	systemNamespace   = "kubernaut-system"
	managerDeployment = "kubernaut-manager"
	registryConfigMap = "kubernaut-action-registry"
	trustSecret       = "e2e-cosign-pub"
	// shippedImage is the placeholder image config/manager sets; the test replaces it.
	shippedImage = "image: kubernaut-manager:dev"
	repoRoot     = "../.."
)

// kubectl runs the cluster's kubectl against the dev cluster with stdin, failing the test on error.
func kubectl(t *testing.T, ctx context.Context, stdin []byte, args ...string) []byte {
	t.Helper()
	out, err := runKubectl(ctx, stdin, args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func runKubectl(ctx context.Context, stdin []byte, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(repoRoot, "bin", "k8s", "kubectl"),
		append([]string{"--kubeconfig", suite.cluster.Kubeconfig}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	return cmd.CombinedOutput()
}

// pushBinary builds the Go main package in pkgDir with the project's builder (the binary as the
// non-root entrypoint of a scratch image) and pushes it, returning its digest reference.
func pushBinary(t *testing.T, ctx context.Context, pkgDir, binary, repo string) string {
	t.Helper()
	img, err := image.BuildGoBinary(ctx, pkgDir, binary, image.BuildOptions{})
	if err != nil {
		t.Fatalf("build %s: %v", pkgDir, err)
	}
	tag, err := name.NewTag(suite.cluster.Registry+"/"+repo+":e2e", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	digest, err := image.Push(ctx, img, tag)
	if err != nil {
		t.Fatalf("push %s: %v", repo, err)
	}
	return digest.String()
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

// forwardRegistryFromNode lets pods reach the local registry, which listens on the host's
// 127.0.0.1 only: it accepts on the node's address and copies each connection to the registry.
// It returns the address pods dial. The listener closes when the test ends.
func forwardRegistryFromNode(t *testing.T, ctx context.Context) string {
	t.Helper()
	nodes, err := suite.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil || len(nodes.Items) == 0 {
		t.Fatalf("listing the node for its address: %v (%d nodes)", err, len(nodes.Items))
	}
	var nodeIP string
	for _, a := range nodes.Items[0].Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			nodeIP = a.Address
		}
	}
	if nodeIP == "" {
		t.Fatalf("node %s has no InternalIP", nodes.Items[0].Name)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(nodeIP, "0"))
	if err != nil {
		t.Fatalf("listening on the node address: %v", err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go copyConn(conn, suite.cluster.Registry)
		}
	}()
	return ln.Addr().String()
}

func copyConn(conn net.Conn, to string) {
	defer conn.Close()
	upstream, err := net.DialTimeout("tcp", to, 5*time.Second)
	if err != nil {
		return
	}
	defer upstream.Close()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(upstream, conn); done <- struct{}{} }()
	go func() { _, _ = io.Copy(conn, upstream); done <- struct{}{} }()
	<-done
}

// renderDefault renders config/default with the manager image replaced by managerRef.
func renderDefault(t *testing.T, ctx context.Context, managerRef string) []byte {
	t.Helper()
	rendered := kubectl(t, ctx, nil, "kustomize", filepath.Join(repoRoot, "config", "default"))
	if !bytes.Contains(rendered, []byte(shippedImage)) {
		t.Fatalf("config/default no longer sets %q; the test cannot put the built image in", shippedImage)
	}
	return bytes.ReplaceAll(rendered, []byte(shippedImage), []byte("image: "+managerRef))
}

// forwarderSidecar is the manager's test-only native sidecar: it makes the registry's name,
// 127.0.0.1:<port>, reachable inside the pod (see testdata/registry-forwarder). It satisfies the
// restricted Pod Security profile like the manager container.
func forwarderSidecar(forwarderRef, nodeAddr string) string {
	return fmt.Sprintf(`{"spec":{"template":{"spec":{"initContainers":[{
  "name":"registry-forwarder","image":%q,"restartPolicy":"Always",
  "args":["-listen=%s","-to=%s"],
  "securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}},
  "resources":{"requests":{"cpu":"10m","memory":"16Mi"},"limits":{"cpu":"200m","memory":"64Mi"}}}]}}}}`,
		forwarderRef, suite.cluster.Registry, nodeAddr)
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

// sign signs ref (REPO@sha256:...) in the registry, as `cosign sign --key` does.
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
