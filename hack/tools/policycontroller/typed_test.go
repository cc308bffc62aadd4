package policycontroller_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sigstore/policy-controller/pkg/apis/policy/v1beta1"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sjson "sigs.k8s.io/json"
)

// validatePolicy does what policy-controller's webhook does to a ClusterImagePolicy before it
// admits it: decode into the typed API (here strictly: a field the API does not know is an error,
// where the webhook would drop it silently), apply the defaults and run Validate. Warnings count
// as failures too: a shipped policy should not need excusing.
func validatePolicy(obj *unstructured.Unstructured) error {
	raw, err := json.Marshal(obj.Object)
	if err != nil {
		return err
	}
	// sigs.k8s.io/json, as the API server uses it: encoding/json alone matches field names
	// case-insensitively, so "subjectRegexp" would pass for "subjectRegExp" and then be ignored.
	var cip v1beta1.ClusterImagePolicy
	strictErrs, err := k8sjson.UnmarshalStrict(raw, &cip, k8sjson.DisallowUnknownFields)
	if err == nil {
		err = errors.Join(strictErrs...)
	}
	if err != nil {
		return fmt.Errorf("decoding into policy-controller's v1beta1.ClusterImagePolicy: %w", err)
	}
	ctx := context.Background()
	cip.SetDefaults(ctx)
	if ferr := cip.Validate(ctx); ferr != nil {
		return fmt.Errorf("policy-controller's Validate: %s", ferr.Error())
	}
	return nil
}

func TestShippedPoliciesPassPolicyControllersValidation(t *testing.T) {
	// Validate reads policy-controller's namespace for key Secrets in another namespace; knative
	// panics when it is not set, so set it as policy-controller's deployment does.
	t.Setenv("SYSTEM_NAMESPACE", "cosign-system")
	for _, dir := range policyDirs {
		t.Run(dir, func(t *testing.T) {
			for _, cip := range policiesIn(render(t, dir)) {
				if err := validatePolicy(cip); err != nil {
					t.Errorf("%s: %v", cip.GetName(), err)
				}
			}
		})
	}
}

func TestBrokenPoliciesAreRejectedNamingTheField(t *testing.T) {
	t.Setenv("SYSTEM_NAMESPACE", "cosign-system")
	keyless := onlyPolicy(t, "config/policy-controller")
	key := onlyPolicy(t, "config/policy-controller/key")
	identity := func(m map[string]any) map[string]any {
		return at(m, "spec", "authorities", 0, "keyless", "identities", 0)
	}
	tests := []struct {
		name     string
		policy   *unstructured.Unstructured
		wantText []string
	}{{
		name: "a field name in the wrong case is an unknown field, not an alias",
		policy: mutated(keyless, func(m map[string]any) {
			identity(m)["subjectRegexp"] = identity(m)["subjectRegExp"]
			delete(identity(m), "subjectRegExp")
		}),
		wantText: []string{"unknown field", "subjectRegexp"},
	}, {
		name: "an identity with both an exact subject and a subject expression is ambiguous",
		policy: mutated(keyless, func(m map[string]any) {
			identity(m)["subject"] = "https://github.com/kubernaut/kubernaut/.github/workflows/release-actions.yaml@refs/tags/actions-v1.0.0"
		}),
		wantText: []string{"expected exactly one, got both", "spec.authorities[0].keyless.identities[0].subject"},
	}, {
		name:     "a subject expression that does not compile is refused",
		policy:   mutated(keyless, func(m map[string]any) { identity(m)["subjectRegExp"] = "^https://github.com/(kubernaut" }),
		wantText: []string{"regex is invalid", "spec.authorities[0].keyless.identities[0].subjectRegExp"},
	}, {
		name:     "an identity without an issuer is refused",
		policy:   mutated(keyless, func(m map[string]any) { delete(identity(m), "issuer") }),
		wantText: []string{"missing field(s)", "spec.authorities[0].keyless.identities[0].issuer"},
	}, {
		name: "a keyless authority with both a Fulcio URL and a CA is ambiguous",
		policy: mutated(keyless, func(m map[string]any) {
			at(m, "spec", "authorities", 0, "keyless")["ca-cert"] = map[string]any{"secretRef": map[string]any{"name": "fulcio-ca"}}
		}),
		wantText: []string{"expected exactly one, got both", "spec.authorities[0].keyless.ca-cert"},
	}, {
		name: "an image glob with characters a glob cannot hold is refused",
		policy: mutated(keyless, func(m map[string]any) {
			at(m, "spec", "images", 0)["glob"] = "ghcr.io/kubernaut/kubernaut-actions/[a-z]*"
		}),
		wantText: []string{"glob is invalid", "spec.images[0].glob"},
	}, {
		name:     "an unknown mode is refused",
		policy:   mutated(keyless, func(m map[string]any) { at(m, "spec")["mode"] = "audit" }),
		wantText: []string{"unsupported mode", "spec.mode"},
	}, {
		name:     "a key authority with an unknown hash algorithm is refused",
		policy:   mutated(key, func(m map[string]any) { at(m, "spec", "authorities", 0, "key")["hashAlgorithm"] = "md5" }),
		wantText: []string{"invalid value: md5", "spec.authorities[0].key.hashAlgorithm"},
	}, {
		name:     "a key authority whose inline key is not a PEM public key is refused",
		policy:   mutated(key, func(m map[string]any) { at(m, "spec", "authorities", 0)["key"] = map[string]any{"data": "REPLACE ME"} }),
		wantText: []string{"invalid value: REPLACE ME", "spec.authorities[0].key.data"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validatePolicy(tt.policy)
			if err == nil {
				t.Fatal("the broken policy was accepted")
			}
			for _, want := range tt.wantText {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the error does not say %q:\n%v", want, err)
				}
			}
		})
	}
}

// policy-controller inlines a key Secret only when it holds exactly one entry, a PEM public key
// (reconciler/clusterimagepolicy: "contains multiple data entries, only one is supported").
func TestTheKeyVariantsSecretHoldsExactlyOnePublicKey(t *testing.T) {
	var secrets []*unstructured.Unstructured
	for _, obj := range render(t, "config/policy-controller/key") {
		if obj.GetKind() == "Secret" {
			secrets = append(secrets, obj)
		}
	}
	if len(secrets) != 1 {
		t.Fatalf("the key variant renders %d Secrets, want 1", len(secrets))
	}
	secret := secrets[0]
	ref := at(onlyPolicy(t, "config/policy-controller/key").Object, "spec", "authorities", 0, "key", "secretRef")
	if secret.GetName() != ref["name"] || secret.GetNamespace() != "cosign-system" {
		t.Errorf("the policy reads Secret %v in policy-controller's namespace cosign-system; the kustomization makes %s/%s",
			ref["name"], secret.GetNamespace(), secret.GetName())
	}
	data, _, _ := unstructured.NestedMap(secret.Object, "data")
	if len(data) != 1 {
		t.Fatalf("the Secret has %d entries; policy-controller wants exactly one", len(data))
	}
	for key, v := range data {
		pem, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(v.(string), "\n", ""))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cryptoutils.UnmarshalPEMToPublicKey(pem); err != nil {
			t.Errorf("the Secret's %s is not a PEM public key: %v", key, err)
		}
	}
}
