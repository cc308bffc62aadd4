package policycontroller_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// apiClient talks to the control plane that TestMain starts, with policy-controller's CRDs
// installed and the namespace policy-controller runs in (which the key variant's Secret uses).
var apiClient client.Client

// The CRD files of policy-controller's module that define the kinds our policies use.
var policyControllerCRDFiles = []string{"config/300-clusterimagepolicy.yaml", "config/300-trustroot.yaml"}

// strict makes the API server refuse unknown and duplicate fields instead of pruning them
// silently, as `kubectl apply` does by default since Kubernetes 1.27.
var strict = client.FieldValidation(metav1.FieldValidationStrict)

func TestMain(m *testing.M) {
	stop, err := startControlPlane()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: integration control plane: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	if err := stop(); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: stop control plane: %v\n", err)
		code = max(code, 1)
	}
	os.Exit(code)
}

// startControlPlane starts etcd and kube-apiserver from bin/k8s (a missing binary is an error,
// never a skip) with policy-controller's CRDs, and creates the cosign-system namespace.
func startControlPlane() (stop func() error, err error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	binDir := filepath.Join(root, "bin", "k8s")
	for _, b := range []string{"kube-apiserver", "etcd", "kubectl"} {
		if _, err := os.Stat(filepath.Join(binDir, b)); err != nil {
			return nil, fmt.Errorf("control-plane binary missing (run `make test-tools`): %w", err)
		}
	}
	crds, err := policyControllerCRDs()
	if err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory:    binDir,
		CRDs:                     crds,
		ControlPlaneStartTimeout: 2 * time.Minute, // two shared cores; kube-apiserver alone takes ~3 s idle
		ControlPlaneStopTimeout:  2 * time.Minute,
	}
	// Explicit paths, so that a KUBEBUILDER_ASSETS left in a shell cannot swap in other binaries.
	env.ControlPlane.GetAPIServer().Path = filepath.Join(binDir, "kube-apiserver")
	env.ControlPlane.Etcd = &envtest.Etcd{Path: filepath.Join(binDir, "etcd")}
	env.ControlPlane.KubectlPath = filepath.Join(binDir, "kubectl")
	cfg, err := env.Start()
	if err != nil {
		_ = env.Stop()
		return nil, fmt.Errorf("start control plane from %s: %w", binDir, err)
	}
	if apiClient, err = client.New(cfg, client.Options{Scheme: clientgoscheme.Scheme}); err == nil {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "cosign-system"}}
		err = apiClient.Create(context.Background(), ns)
	}
	if err != nil {
		_ = env.Stop()
		return nil, err
	}
	return env.Stop, nil
}

// policyControllerCRDs reads the CRDs from policy-controller's module. They declare a conversion
// webhook (policy-controller's own Service) because v1alpha1 is the stored version; no webhook
// runs here, so it is replaced by the None strategy, which only rewrites apiVersion. That is
// faithful for validation: both versions carry the same schema, and the schema, not the
// conversion, is what accepts or rejects an object.
func policyControllerCRDs() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	dir, err := moduleDir(policyControllerModule)
	if err != nil {
		return nil, err
	}
	sch := runtime.NewScheme()
	if err := apiextensionsv1.AddToScheme(sch); err != nil {
		return nil, err
	}
	decode := serializer.NewCodecFactory(sch).UniversalDeserializer().Decode
	var crds []*apiextensionsv1.CustomResourceDefinition
	for _, f := range policyControllerCRDFiles {
		raw, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return nil, fmt.Errorf("policy-controller's CRD: %w", err)
		}
		obj, _, err := decode(raw, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("policy-controller's %s: %w", f, err)
		}
		crd, ok := obj.(*apiextensionsv1.CustomResourceDefinition)
		if !ok {
			return nil, fmt.Errorf("policy-controller's %s holds a %T, not a CustomResourceDefinition", f, obj)
		}
		crd.Spec.Conversion = &apiextensionsv1.CustomResourceConversion{Strategy: apiextensionsv1.NoneConverter}
		crds = append(crds, crd)
	}
	return crds, nil
}

func TestTheAPIServerAcceptsTheShippedPoliciesUnchanged(t *testing.T) {
	ctx := context.Background()
	for _, dir := range policyDirs {
		t.Run(dir, func(t *testing.T) {
			for _, obj := range render(t, dir) {
				applied := obj.DeepCopy()
				if err := apiClient.Create(ctx, applied, strict); err != nil {
					t.Fatalf("create %s %s: %v", obj.GetKind(), obj.GetName(), err)
				}
				t.Cleanup(func() { _ = apiClient.Delete(ctx, applied) })
				stored := &unstructured.Unstructured{}
				stored.SetGroupVersionKind(obj.GroupVersionKind())
				if err := apiClient.Get(ctx, client.ObjectKeyFromObject(obj), stored); err != nil {
					t.Fatalf("get %s %s: %v", obj.GetKind(), obj.GetName(), err)
				}
				// Nothing may have been pruned or rewritten on the way: what the policy-controller
				// reads is what the file says.
				if diff := cmp.Diff(meaning(t, obj), meaning(t, stored)); diff != "" {
					t.Errorf("%s %s: stored content differs from the manifest (-manifest +stored):\n%s", obj.GetKind(), obj.GetName(), diff)
				}
			}
		})
	}
}

func TestTheAPIServerRejectsBrokenPoliciesNamingTheField(t *testing.T) {
	keyless := onlyPolicy(t, "config/policy-controller")
	tests := []struct {
		name     string
		policy   *unstructured.Unstructured
		wantText []string
	}{{
		name: "a misspelled field is refused, not pruned",
		policy: mutated(keyless, func(m map[string]any) {
			id := at(m, "spec", "authorities", 0, "keyless", "identities", 0)
			id["subjectRegexp"] = id["subjectRegExp"]
			delete(id, "subjectRegExp")
		}),
		wantText: []string{`unknown field "spec.authorities[0].keyless.identities[0].subjectRegexp"`},
	}, {
		name:     "images given as a string instead of a list is refused",
		policy:   mutated(keyless, func(m map[string]any) { at(m, "spec")["images"] = "ghcr.io/kubernaut/kubernaut-actions/**" }),
		wantText: []string{"spec.images", "must be of type array"},
	}, {
		name:     "a boolean where the schema wants a string is refused",
		policy:   mutated(keyless, func(m map[string]any) { at(m, "spec", "authorities", 0)["signatureFormat"] = true }),
		wantText: []string{"spec.authorities[0].signatureFormat", "must be of type string"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.policy.SetName("")
			tt.policy.SetGenerateName("broken-")
			err := apiClient.Create(context.Background(), tt.policy, strict)
			if err == nil {
				_ = apiClient.Delete(context.Background(), tt.policy)
				t.Fatal("the API server accepted the broken policy")
			}
			for _, want := range tt.wantText {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the error does not say %q:\n%v", want, err)
				}
			}
		})
	}
}

// meaning is what of obj a consumer reads: a policy's spec, or a Secret's decoded data (kustomize
// wraps base64 lines, the API server does not, so the encoded text is no basis for comparison).
func meaning(t *testing.T, obj *unstructured.Unstructured) any {
	t.Helper()
	if obj.GetKind() != "Secret" {
		return obj.Object["spec"]
	}
	data, _, err := unstructured.NestedMap(obj.Object, "data")
	if err != nil {
		t.Fatal(err)
	}
	decoded := map[string]string{}
	for k, v := range data {
		b, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(v.(string), "\n", ""))
		if err != nil {
			t.Fatalf("Secret %s, key %s: %v", obj.GetName(), k, err)
		}
		decoded[k] = string(b)
	}
	return decoded
}
