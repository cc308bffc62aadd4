package envtest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

var env *Environment

func TestMain(m *testing.M) {
	os.Exit(Main(m, Options{}, &env))
}

func TestAPIServerStoresAndReturnsAConfigMap(t *testing.T) {
	ctx := Context(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "envtest-proof"}}
	if err := env.Client.Create(ctx, ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	want := map[string]string{"inputs": `{"x":1}`}
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "proof"},
		Data:       want,
	}
	if err := env.Client.Create(ctx, cm); err != nil {
		t.Fatalf("create configmap: %v", err)
	}

	var got corev1.ConfigMap
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(cm), &got); err != nil {
		t.Fatalf("get configmap back: %v", err)
	}
	if diff := cmp.Diff(want, got.Data); diff != "" {
		t.Errorf("configmap data read back (-want +got):\n%s", diff)
	}
	if got.UID == "" || got.ResourceVersion == "" {
		t.Errorf("configmap read back lacks server-set fields: uid=%q resourceVersion=%q", got.UID, got.ResourceVersion)
	}
}

func TestAPIServerReportsTheVersionItWasBuiltAs(t *testing.T) {
	dc, err := discovery.NewDiscoveryClientForConfig(env.Config)
	if err != nil {
		t.Fatalf("discovery client: %v", err)
	}
	info, err := dc.ServerVersion()
	if err != nil {
		t.Fatalf("server version: %v", err)
	}
	if diff := cmp.Diff("v1.37.2", info.GitVersion); diff != "" {
		t.Errorf("kube-apiserver gitVersion (-want +got):\n%s", diff)
	}
}

func TestStartFailsWithInstructionsWhenBinariesAreMissing(t *testing.T) {
	_, err := Start(Options{BinDir: t.TempDir()})
	if !errors.Is(err, ErrBinaryMissing) {
		t.Fatalf("Start with an empty bin dir: got %v, want ErrBinaryMissing", err)
	}
	if want := "make test-tools"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not tell the reader to %q", err, want)
	}
}

func TestDefaultBinDirIsBinK8sAtTheRepositoryRoot(t *testing.T) {
	got, err := DefaultBinDir()
	if err != nil {
		t.Fatalf("DefaultBinDir: %v", err)
	}
	wd, _ := os.Getwd()
	want := filepath.Join(wd, "..", "..", "..", "bin", "k8s")
	if diff := cmp.Diff(filepath.Clean(want), got); diff != "" {
		t.Errorf("DefaultBinDir from %s (-want +got):\n%s", wd, diff)
	}
}
