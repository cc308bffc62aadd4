package deploy

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubernaut/kubernaut/internal/actionregistry"
	"github.com/kubernaut/kubernaut/internal/devcluster/kubeapply"
	"github.com/kubernaut/kubernaut/internal/signing"
)

const (
	testManagerImage   = "127.0.0.1:5000/kubernaut/manager@sha256:1111111111111111111111111111111111111111111111111111111111111111"
	testForwarderImage = "127.0.0.1:5000/kubernaut/registry-forwarder@sha256:2222222222222222222222222222222222222222222222222222222222222222"
	testActionImage    = "127.0.0.1:5000/actions/greet@sha256:3333333333333333333333333333333333333333333333333333333333333333"
)

// testOptions render the repository's config/default with the kubectl `make test-tools` builds.
func testOptions(t *testing.T) Options {
	t.Helper()
	root, err := FindSourceRoot()
	if err != nil {
		t.Fatal(err)
	}
	return Options{
		Kubeconfig:   "unused",
		Kubectl:      filepath.Join(root, "bin", "k8s", "kubectl"),
		ConfigDir:    filepath.Join(root, "config", "default"),
		ManagerImage: testManagerImage,
	}
}

func manifests(t *testing.T, opts Options) []*unstructured.Unstructured {
	t.Helper()
	objs, err := opts.manifests(context.Background())
	if err != nil {
		t.Fatalf("manifests: %v", err)
	}
	return objs
}

func podSpec(t *testing.T, objs []*unstructured.Unstructured) map[string]any {
	t.Helper()
	d := findObject(objs, "Deployment", DeploymentName)
	if d == nil {
		t.Fatalf("no Deployment %s rendered", DeploymentName)
	}
	spec, _, _ := unstructured.NestedMap(d.Object, "spec", "template", "spec")
	return spec
}

func TestTheRenderedManagerRunsTheBuiltImageByDigest(t *testing.T) {
	spec := podSpec(t, manifests(t, testOptions(t)))
	containers := spec["containers"].([]any)
	manager := containers[0].(map[string]any)
	if manager["name"] != ManagerContainer || manager["image"] != testManagerImage {
		t.Errorf("first container %v runs %v, want %s running %s", manager["name"], manager["image"], ManagerContainer, testManagerImage)
	}
	if _, ok := spec["initContainers"]; ok {
		t.Errorf("without a forwarder the pod has init containers: %v", spec["initContainers"])
	}
}

func TestTheForwarderIsANativeSidecarUnderTheRestrictedProfile(t *testing.T) {
	opts := testOptions(t)
	opts.Forwarder = &Forwarder{Image: testForwarderImage, Listen: "127.0.0.1:5000", Upstream: "192.0.2.2:5000"}
	inits := podSpec(t, manifests(t, opts))["initContainers"].([]any)
	want := []any{map[string]any{
		"name":          ForwarderContainer,
		"image":         testForwarderImage,
		"restartPolicy": "Always",
		"args":          []any{"--listen=127.0.0.1:5000", "--to=192.0.2.2:5000"},
		"securityContext": map[string]any{
			"allowPrivilegeEscalation": false,
			"readOnlyRootFilesystem":   true,
			"capabilities":             map[string]any{"drop": []any{"ALL"}},
		},
		"resources": map[string]any{
			"requests": map[string]any{"cpu": "10m", "memory": "16Mi"},
			"limits":   map[string]any{"cpu": "200m", "memory": "64Mi"},
		},
	}}
	if diff := cmp.Diff(want, inits); diff != "" {
		t.Errorf("init containers (-want +got):\n%s", diff)
	}
}

func TestAForwarderOnAPortOfTheManagerIsRefused(t *testing.T) {
	opts := testOptions(t)
	opts.Forwarder = &Forwarder{Image: testForwarderImage, Listen: "127.0.0.1:8080", Upstream: "192.0.2.2:8080"}
	_, err := opts.manifests(context.Background())
	if err == nil || !strings.Contains(err.Error(), "collides with container port 8080") {
		t.Fatalf("forwarder on the metrics port: %v, want a collision error", err)
	}
}

func TestTheActionRegistryAndItsKeysGoIntoTheShippedConfigMapAndASecret(t *testing.T) {
	kp, err := signing.GenerateKeyPair(nil)
	if err != nil {
		t.Fatal(err)
	}
	opts := testOptions(t)
	opts.ActionRegistry = &ActionRegistry{
		Entries:     map[string]RegistryEntry{"demo/greet": {Image: testActionImage}},
		TrustedKeys: [][]byte{kp.PublicPEM},
	}
	objs := manifests(t, opts)
	cm := findObject(objs, "ConfigMap", actionregistry.ConfigMapName)
	data, _, _ := unstructured.NestedStringMap(cm.Object, "data")
	reg, err := actionregistry.Parse(data)
	if err != nil {
		t.Fatalf("the manager's parser refuses the written ConfigMap: %v\n%v", err, data)
	}
	want := []actionregistry.Entry{{ActionType: "demo/greet", Image: testActionImage,
		ContractPath: "/action-contract.yaml", Verification: actionregistry.ModeStrict}}
	if diff := cmp.Diff(want, reg.Entries()); diff != "" {
		t.Errorf("registry entries (-want +got):\n%s", diff)
	}
	wantKeys := []actionregistry.KeyRef{{SecretRef: actionregistry.ObjectKeyRef{Name: TrustSecretName, Key: "key-0.pub"}}}
	if diff := cmp.Diff(wantKeys, reg.Trust().Keys); diff != "" {
		t.Errorf("trusted keys (-want +got):\n%s", diff)
	}
	secret := findObject(objs, "Secret", TrustSecretName)
	if secret == nil || secret.GetNamespace() != Namespace {
		t.Fatalf("no Secret %s/%s among the objects", Namespace, TrustSecretName)
	}
	if _, ok, _ := unstructured.NestedString(secret.Object, "data", "key-0.pub"); !ok {
		t.Errorf("Secret %s has no key-0.pub: %v", TrustSecretName, secret.Object["data"])
	}
}

func TestABadActionRegistryIsRefusedBeforeAnythingIsApplied(t *testing.T) {
	for _, tc := range []struct {
		name     string
		registry ActionRegistry
		wantErr  string
	}{
		{"an image by tag in a strict entry",
			ActionRegistry{Entries: map[string]RegistryEntry{"demo/greet": {Image: "127.0.0.1:5000/actions/greet:v1"}}}, "demo/greet"},
		{"an action type without a group",
			ActionRegistry{Entries: map[string]RegistryEntry{"greet": {Image: testActionImage}}}, "<group>/<name>"},
		{"a trusted key that is not a public key",
			ActionRegistry{TrustedKeys: [][]byte{[]byte("not a key")}}, "trusted key 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions(t)
			opts.ActionRegistry = &tc.registry
			_, err := opts.manifests(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.wantErr)
			}
		})
	}
}

func TestAConfigWithoutThePlaceholderImageIsRefused(t *testing.T) {
	d := &unstructured.Unstructured{Object: map[string]any{"kind": "Deployment", "metadata": map[string]any{"name": DeploymentName},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"containers": []any{map[string]any{"name": ManagerContainer, "image": "ghcr.io/acme/manager:v1"}}}}}}}
	if err := setManagerImage(d, testManagerImage); !errors.Is(err, ErrPlaceholderMissing) {
		t.Fatalf("setManagerImage over another image: %v, want ErrPlaceholderMissing", err)
	}
}

func TestRegistryEntriesParseStrictly(t *testing.T) {
	got, err := ParseRegistryEntries([]byte("demo/greet:\n  image: " + testActionImage + "\n  verification: warn\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]RegistryEntry{"demo/greet": {Image: testActionImage, Verification: actionregistry.ModeWarn}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if _, err := ParseRegistryEntries([]byte("demo/greet:\n  imagee: x\n")); err == nil || !strings.Contains(err.Error(), "imagee") {
		t.Errorf("a misspelt field: %v, want an error naming it", err)
	}
}

func TestObjectsAreAppliedNamespaceFirstCRDsNextAndTheManagerLast(t *testing.T) {
	var kinds []string
	for _, o := range kubeapply.SortForApply(manifests(t, testOptions(t))) {
		if len(kinds) == 0 || kinds[len(kinds)-1] != o.GetKind() {
			kinds = append(kinds, o.GetKind())
		}
	}
	if kinds[0] != "Namespace" || kinds[1] != "CustomResourceDefinition" || kinds[len(kinds)-1] != "Deployment" {
		t.Errorf("apply order of kinds %v: want Namespace, CustomResourceDefinition, ..., Deployment", kinds)
	}
}
