package deploy

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubernaut/kubernaut/internal/actionregistry"
	"github.com/kubernaut/kubernaut/internal/signing"
	"github.com/kubernaut/kubernaut/internal/testutil/envtest"
)

// env is a real kube-apiserver and etcd. It runs no controllers, so a Deployment never becomes
// available there: the tests check what is applied, and the timeout path of the wait.
var env *envtest.Environment

func TestMain(m *testing.M) {
	os.Exit(envtest.Main(m, envtest.Options{}, &env))
}

func apiServerOptions(t *testing.T) Options {
	opts := testOptions(t)
	opts.Kubeconfig = ""
	opts.RESTConfig = env.Config
	opts.Timeout = 2 * time.Second
	return opts
}

// TestDeployAppliesConfigDefaultAndReportsAManagerThatIsNotAvailable runs Deploy three times
// against a real API server: with an action registry, again without one (the registry must be
// kept) and with a new image (the template must change).
func TestDeployAppliesConfigDefaultAndReportsAManagerThatIsNotAvailable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	kp, err := signing.GenerateKeyPair(nil)
	if err != nil {
		t.Fatal(err)
	}
	opts := apiServerOptions(t)
	opts.ActionRegistry = &ActionRegistry{Entries: map[string]RegistryEntry{"demo/greet": {Image: testActionImage}},
		TrustedKeys: [][]byte{kp.PublicPEM}}
	_, err = Deploy(ctx, opts)
	if !errors.Is(err, ErrNotAvailable) || !strings.Contains(err.Error(), "has not seen the new spec") {
		t.Fatalf("Deploy without a Deployment controller: %v, want ErrNotAvailable saying the spec was not observed", err)
	}
	assertManagerImage(t, ctx, testManagerImage)
	wantRegistry := registryData(t, ctx)
	if !strings.Contains(wantRegistry[actionregistry.RegistryKey], testActionImage) {
		t.Fatalf("registry.yaml after Deploy: %q, want the entry's image", wantRegistry[actionregistry.RegistryKey])
	}
	secret := &corev1.Secret{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: Namespace, Name: TrustSecretName}, secret); err != nil {
		t.Fatalf("trusted key Secret: %v", err)
	}
	if diff := cmp.Diff(string(kp.PublicPEM), string(secret.Data["key-0.pub"])); diff != "" {
		t.Errorf("trusted key (-want +got):\n%s", diff)
	}

	opts.ActionRegistry = nil
	opts.ManagerImage = strings.Replace(testManagerImage, "1111", "4444", 1)
	if _, err := Deploy(ctx, opts); !errors.Is(err, ErrNotAvailable) {
		t.Fatalf("second Deploy: %v, want ErrNotAvailable", err)
	}
	assertManagerImage(t, ctx, opts.ManagerImage)
	if diff := cmp.Diff(wantRegistry, registryData(t, ctx)); diff != "" {
		t.Errorf("a Deploy without an action registry changed the ConfigMap (-before +after):\n%s", diff)
	}
}

func assertManagerImage(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	d := &appsv1.Deployment{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: Namespace, Name: DeploymentName}, d); err != nil {
		t.Fatalf("manager Deployment: %v", err)
	}
	if got := d.Spec.Template.Spec.Containers[0].Image; got != want {
		t.Errorf("manager image = %s, want %s", got, want)
	}
}

func registryData(t *testing.T, ctx context.Context) map[string]string {
	t.Helper()
	cm := &corev1.ConfigMap{}
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: Namespace, Name: actionregistry.ConfigMapName}, cm); err != nil {
		t.Fatalf("registry ConfigMap: %v", err)
	}
	return cm.Data
}
