package scale_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/kubernaut/kubernaut/internal/actionregistry"
	"github.com/kubernaut/kubernaut/internal/image"
	"github.com/kubernaut/kubernaut/internal/manager"
	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
	"github.com/kubernaut/kubernaut/internal/signing"
	"github.com/kubernaut/kubernaut/internal/testutil/envtest"
)

// repoRoot is the repository root seen from this package's directory, where go test runs it.
const repoRoot = "../.."

// scaleContract is the action every step runs: a required and a defaulted input, an integer
// output that the next step takes as input, and namespaced permissions within the ceiling, so
// that every step goes through verification, contract and input validation, RBAC and the Job.
const scaleContract = `apiVersion: kubernaut.ai/v1alpha1
kind: ActionContract
metadata:
  name: scale-bench
  version: v1.0.0
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

// stack is what every scale shares: the control plane, a client for the benchmark's own
// requests, and one signed action image in a registry on 127.0.0.1.
type stack struct {
	env       *envtest.Environment
	client    client.WithWatch
	digest    name.Digest
	publicPEM []byte
	// registryRequests counts the requests the registry serves, by method and kind (manifests,
	// blobs, referrers): what verifying and reading the contract of a step costs the registry.
	registryRequests *requestCounter
}

// startStack starts etcd and kube-apiserver with the CRDs, applies the action ceiling
// ClusterRole the manager reads at start, and publishes the signed action.
func startStack(b *testing.B) *stack {
	b.Helper()
	scheme, err := manager.NewScheme()
	if err != nil {
		b.Fatal(err)
	}
	env, err := envtest.Start(envtest.Options{
		CRDDirectoryPaths: []string{filepath.Join(repoRoot, "config", "crd", "bases")},
		Scheme:            scheme,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := env.Stop(); err != nil {
			b.Error(err)
		}
	})
	// The benchmark plays the users and the kubelets of a whole cluster: client-go's default
	// limit of 5 requests per second would make it, not the manager, the bottleneck.
	cfg := rest.CopyConfig(env.Config)
	cfg.QPS = -1
	c, err := client.NewWithWatch(cfg, client.Options{Scheme: scheme})
	if err != nil {
		b.Fatal(err)
	}
	s := &stack{env: env, client: c, registryRequests: newRequestCounter()}
	s.applyCeiling(b)
	s.publishAction(b)
	return s
}

// applyCeiling creates the ceiling ClusterRole from config/rbac, as deployed.
func (s *stack) applyCeiling(b *testing.B) {
	b.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "config", "rbac", "action_ceiling_role.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	role := &rbacv1.ClusterRole{}
	if err := yaml.UnmarshalStrict(data, role); err != nil {
		b.Fatalf("parse the action ceiling ClusterRole: %v", err)
	}
	if role.Name != manager.DefaultCeilingClusterRole {
		b.Fatalf("config/rbac names the ceiling %q, the manager reads %q by default", role.Name, manager.DefaultCeilingClusterRole)
	}
	if err := s.client.Create(context.Background(), role); err != nil {
		b.Fatalf("create the action ceiling ClusterRole: %v", err)
	}
}

// publishAction builds the action image with the real builder (its entrypoint never runs:
// there is no kubelet), pushes it and signs it with a new key.
func (s *stack) publishAction(b *testing.B) {
	b.Helper()
	kp, err := signing.GenerateKeyPair(nil)
	if err != nil {
		b.Fatal(err)
	}
	priv, err := signing.LoadPrivateKey(kp.PrivatePEM, nil)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	contractFile, entrypoint := filepath.Join(dir, "action-contract.yaml"), filepath.Join(dir, "entrypoint")
	if err := os.WriteFile(contractFile, []byte(scaleContract), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(entrypoint, []byte("#!/bin/sh\necho '{}'\n"), 0o755); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	img, err := image.Build(ctx, image.BuildOptions{EntrypointFile: entrypoint, ContractFile: contractFile})
	if err != nil {
		b.Fatalf("build the action image: %v", err)
	}
	reg := registrytest.Start(b, registrytest.WithMiddleware(s.registryRequests.middleware(registryRequestKind)))
	tag, err := name.NewTag(reg.Host + "/actions/scale:v1")
	if err != nil {
		b.Fatal(err)
	}
	if s.digest, err = image.Push(ctx, img, tag); err != nil {
		b.Fatalf("push %s: %v", tag, err)
	}
	if _, err := signing.Sign(ctx, s.digest, priv, signing.Options{}); err != nil {
		b.Fatalf("sign %s: %v", s.digest, err)
	}
	s.publicPEM = kp.PublicPEM
}

// newScaleNamespaces creates, for one scale, the controller's namespace (action registry with
// the signed action as test/scale, trust in its key) and the namespace the workflows run in,
// which enforces the restricted Pod Security profile as config/default's does.
func (s *stack) newScaleNamespaces(b *testing.B, workflows int) (controllerNS, runsNS string) {
	b.Helper()
	controllerNS = s.newNamespace(b, fmt.Sprintf("kubernaut-%d", workflows), nil)
	runsNS = s.newNamespace(b, fmt.Sprintf("runs-%d", workflows), map[string]string{"pod-security.kubernetes.io/enforce": "restricted"})
	ctx := context.Background()
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: controllerNS, Name: "cosign-pub"},
		Data:       map[string][]byte{actionregistry.DefaultPublicKeyKey: s.publicPEM},
	}
	registry := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: controllerNS, Name: actionregistry.ConfigMapName},
		Data: map[string]string{
			actionregistry.RegistryKey: fmt.Sprintf("%s:\n  image: %s\n", actionType, s.digest),
			actionregistry.TrustKey:    "keys:\n- secretRef: {name: cosign-pub}\ntlog: disabled\n",
		},
	}
	for _, obj := range []client.Object{secret, registry} {
		if err := s.client.Create(ctx, obj); err != nil {
			b.Fatalf("create %T %s: %v", obj, obj.GetName(), err)
		}
	}
	return controllerNS, runsNS
}

// newNamespace creates a namespace; envtest has no namespace controller to delete it, and the
// control plane's data is discarded when the benchmark ends.
func (s *stack) newNamespace(b *testing.B, prefix string, labels map[string]string) string {
	b.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-", Labels: labels}}
	if err := s.client.Create(context.Background(), ns); err != nil {
		b.Fatalf("create namespace: %v", err)
	}
	return ns.Name
}
