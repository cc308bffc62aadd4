package cli

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubernaut/kubernaut/internal/actionregistry"
	"github.com/kubernaut/kubernaut/internal/testutil/envtest"
)

// TestValidateReadsTheRegistryFromTheCluster runs a real kube-apiserver and etcd (bin/k8s, built
// by `make test-tools`), installs the registry ConfigMap as the manager's manifests do, and
// validates against it through a kubeconfig, as an operator would.
func TestValidateReadsTheRegistryFromTheCluster(t *testing.T) {
	env, err := envtest.Start(envtest.Options{})
	if err != nil {
		t.Fatalf("starting the control plane: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Error(err)
		}
	})
	ctx := envtest.Context(t)
	for _, obj := range []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: managerNamespace}},
		&corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: actionregistry.ConfigMapName, Namespace: managerNamespace},
			Data: map[string]string{actionregistry.RegistryKey: "kubernetes/scale_deployment:\n  image: " +
				"ghcr.io/kubernaut/actions/scale@sha256:4f2b6c2a1e3d5b7f9a0c8e6d4b2a1f3e5d7c9b0a8e6f4d2c1b3a5e7f9d0c2b4a\n"},
		},
	} {
		if err := env.Client.Create(ctx, obj); err != nil {
			t.Fatalf("creating %s: %v", obj.GetName(), err)
		}
	}
	kubeconfig := writeKubeconfig(t, env.Config)

	r := runCLI(t, "validate", "-f", scaleExample, "--kubeconfig", kubeconfig).mustSucceed(t)
	want := []string{
		"OK: 1 step, order: scale-deployment",
		"OK: every action type is in the action registry (ConfigMap kubernaut-system/kubernaut-action-registry, 1 entry), and every pinned image is the registry's",
	}
	if diff := cmp.Diff(want, lines(r.stdout)); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
	runCLI(t, "validate", "-f", gitopsExample, "--kubeconfig", kubeconfig).mustFail(t, exitError,
		`4 problems: the controller would refuse these steps`)
	runCLI(t, "validate", "-f", scaleExample, "--kubeconfig", kubeconfig, "-n", "elsewhere").mustFail(t, exitError,
		`ConfigMap elsewhere/kubernaut-action-registry not found: is Kubernaut installed in namespace elsewhere\? \(--namespace\)`)
}

// writeKubeconfig writes a kubeconfig file for the cluster administrator of cfg.
func writeKubeconfig(t *testing.T, cfg *rest.Config) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	kc.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "admin"}
	kc.CurrentContext = "envtest"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}
