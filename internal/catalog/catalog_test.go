package catalog_test

import (
	"context"
	"crypto"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/kubernaut/kubernaut/internal/actionregistry"
	"github.com/kubernaut/kubernaut/internal/catalog"
	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
	"github.com/kubernaut/kubernaut/internal/signing"
	"github.com/kubernaut/kubernaut/internal/verify"
)

func TestDiscover_findsActionsByGroupAndNameAndSkipsInternal(t *testing.T) {
	actions, err := catalog.Discover("testdata")
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, a := range actions {
		types = append(types, a.Type)
	}
	if diff := cmp.Diff([]string{"demo/hello"}, types); diff != "" {
		t.Errorf("action types (-want +got):\n%s", diff)
	}
	if got := actions[0].Contract.Metadata.Version; got != "v1.2.3" {
		t.Errorf("contract version = %q, want v1.2.3", got)
	}
}

func TestDiscover_findsTheBuiltInCatalogue(t *testing.T) {
	actions, err := catalog.Discover(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, a := range actions {
		seen[a.Type] = true
	}
	if !seen["kubernetes/scale_deployment"] {
		t.Errorf("the built-in catalogue lacks kubernetes/scale_deployment; found %v", seen)
	}
}

func TestDiscover_refusesWhatItCannotPublish(t *testing.T) {
	for _, tc := range []struct{ name, dir, contract, want string }{
		{"an invalid contract names its file", "actions/demo/broken", "kind: Nope\n", "action-contract.yaml"},
		{"an upper-case directory cannot be an action type", "actions/demo/Broken", validContract, `directory name "Broken"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			writeFile(t, filepath.Join(root, tc.dir, catalog.ContractFile), tc.contract)
			_, err := catalog.Discover(root)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := catalog.Discover(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no actions directory") {
		t.Errorf("a tree without actions/: error = %v", err)
	}
}

func TestPublish_pushesSignsAndRendersARegistryTheControllerAccepts(t *testing.T) {
	ctx := context.Background()
	reg := registrytest.Start(t)
	actions, err := catalog.Discover("testdata")
	if err != nil {
		t.Fatal(err)
	}
	kp, err := signing.GenerateKeyPair(nil)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := signing.LoadPrivateKey(kp.PrivatePEM, nil)
	if err != nil {
		t.Fatal(err)
	}
	var progress strings.Builder
	published, err := catalog.Publish(ctx, actions, catalog.PublishOptions{
		Registry: reg.Host + "/kubernaut/actions", Signer: priv, Progress: &progress,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(published) != 1 || !strings.HasPrefix(published[0].Image, reg.Host+"/kubernaut/actions/demo/hello@sha256:") {
		t.Fatalf("published %+v, want demo/hello by digest", published)
	}
	if published[0].Size <= 0 || !strings.Contains(progress.String(), published[0].Image) {
		t.Errorf("size %d, progress %q: want a size and a line naming the image", published[0].Size, progress.String())
	}
	assertSignedBy(t, ctx, published[0].Image, kp.PublicPEM)
	assertRegistryLists(t, published)
}

func TestPublish_refusesToPublishUnsigned(t *testing.T) {
	_, err := catalog.Publish(context.Background(), nil, catalog.PublishOptions{Registry: "127.0.0.1:1/x"})
	if err == nil || !strings.Contains(err.Error(), "signing key is required") {
		t.Fatalf("error = %v, want a missing key refusal", err)
	}
}

func assertSignedBy(t *testing.T, ctx context.Context, image string, publicPEM []byte) {
	t.Helper()
	pub, err := signing.LoadPublicKey(publicPEM)
	if err != nil {
		t.Fatal(err)
	}
	policy, err := verify.Compile(verify.PolicyOptions{Keys: []crypto.PublicKey{pub}, TLog: verify.TLogDisabled, RequireDigest: true})
	if err != nil {
		t.Fatal(err)
	}
	v, err := verify.NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, image, policy); err != nil {
		t.Errorf("the published image does not verify with the key: %v", err)
	}
}

func assertRegistryLists(t *testing.T, published []catalog.Published) {
	t.Helper()
	manifest, err := catalog.RegistryConfigMap(published, catalog.RegistryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(manifest, &cm); err != nil {
		t.Fatalf("the manifest is not a ConfigMap: %v\n%s", err, manifest)
	}
	if cm.Name != actionregistry.ConfigMapName || cm.Namespace != catalog.DefaultNamespace {
		t.Errorf("ConfigMap %s/%s, want %s/%s", cm.Namespace, cm.Name, catalog.DefaultNamespace, actionregistry.ConfigMapName)
	}
	reg, err := actionregistry.Parse(cm.Data)
	if err != nil {
		t.Fatal(err)
	}
	entry, ok := reg.Lookup("demo/hello")
	if !ok || entry.Image != published[0].Image || entry.Verification != actionregistry.ModeStrict {
		t.Errorf("registry entry %+v (found %v), want %s in strict mode", entry, ok, published[0].Image)
	}
}

const validContract = `apiVersion: kubernaut.ai/v1alpha1
kind: ActionContract
metadata: {name: x, version: v1.0.0}
spec: {}
`

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
