package actionregistry

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/kubernaut/kubernaut/internal/signing"
	"github.com/kubernaut/kubernaut/internal/signing/signingtest"
	"github.com/kubernaut/kubernaut/internal/verify"
)

// mapGetter serves trust material from memory, keyed "name/key".
type mapGetter struct{ secrets, configMaps map[string][]byte }

func (g mapGetter) GetSecretData(_ context.Context, name, key string) ([]byte, error) {
	return lookup(g.secrets, "Secret", name, key)
}

func (g mapGetter) GetConfigMapData(_ context.Context, name, key string) ([]byte, error) {
	return lookup(g.configMaps, "ConfigMap", name, key)
}

func lookup(m map[string][]byte, kind, name, key string) ([]byte, error) {
	if v, ok := m[name+"/"+key]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("%w: %s %s has no key %s", ErrTrustMaterialNotFound, kind, name, key)
}

func publicKeyPEM(t *testing.T) []byte {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func trustedRootJSON(t *testing.T) []byte {
	t.Helper()
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatalf("NewVirtualSigstore: %v", err)
	}
	data, err := signingtest.TrustedRootJSON(vs)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func keyTrust(names ...string) Trust {
	t := Trust{TLog: verify.TLogDisabled}
	for _, n := range names {
		t.Keys = append(t.Keys, KeyRef{SecretRef: ObjectKeyRef{Name: n, Key: DefaultPublicKeyKey}})
	}
	return t
}

func TestCompilePolicyTrustsEveryKeyWithDigestsRequired(t *testing.T) {
	oldKey, newKey := publicKeyPEM(t), publicKeyPEM(t)
	get := mapGetter{secrets: map[string][]byte{"old/cosign.pub": oldKey, "new/cosign.pub": newKey}}
	for _, mode := range []Mode{ModeStrict, ModeWarn} {
		t.Run(string(mode), func(t *testing.T) {
			policy, err := CompilePolicy(context.Background(), keyTrust("old", "new"), get, mode)
			if err != nil {
				t.Fatalf("CompilePolicy: %v", err)
			}
			var want []string
			for _, pemBytes := range [][]byte{oldKey, newKey} {
				pub, err := signing.LoadPublicKey(pemBytes)
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, signing.KeyID(pub))
			}
			if diff := cmp.Diff(want, policy.KeyIDs()); diff != "" {
				t.Errorf("trusted key ids (-want +got):\n%s", diff)
			}
			if !policy.RequireDigest() {
				t.Error("policy accepts tag-only references; strict and warn must require a digest")
			}
			if policy.TLog() != verify.TLogDisabled {
				t.Errorf("tlog = %q, want %q", policy.TLog(), verify.TLogDisabled)
			}
		})
	}
}

func TestCompilePolicyIsNilWhenVerificationIsDisabled(t *testing.T) {
	policy, err := CompilePolicy(context.Background(), Trust{}, mapGetter{}, ModeDisabled)
	if err != nil || policy != nil {
		t.Fatalf("CompilePolicy(disabled) = %v, %v; want nil, nil", policy, err)
	}
}

func TestCompilePolicyKeylessUsesTheTrustedRootConfigMap(t *testing.T) {
	get := mapGetter{configMaps: map[string][]byte{"sigstore-root/trusted_root.json": trustedRootJSON(t)}}
	trust := Trust{
		Keyless:     []KeylessIdentity{{Issuer: "https://issuer.example.com", SubjectRegexp: "^ci@example.com$"}},
		TrustedRoot: &TrustedRootRef{ConfigMapRef: ObjectKeyRef{Name: "sigstore-root", Key: DefaultTrustedRootKey}},
		TLog:        verify.TLogRequired,
	}
	policy, err := CompilePolicy(context.Background(), trust, get, ModeStrict)
	if err != nil {
		t.Fatalf("CompilePolicy: %v", err)
	}
	want := []verify.Identity{{Issuer: "https://issuer.example.com", SubjectRegexp: "^ci@example.com$"}}
	if diff := cmp.Diff(want, policy.Identities()); diff != "" {
		t.Errorf("identities (-want +got):\n%s", diff)
	}
	if policy.TrustedMaterial() == nil || len(policy.TrustedMaterial().RekorLogs()) == 0 {
		t.Error("policy lacks the trusted root's Rekor logs")
	}
}

func TestCompilePolicyHashIsStableForTheSameMaterial(t *testing.T) {
	get := mapGetter{secrets: map[string][]byte{"k/cosign.pub": publicKeyPEM(t)}}
	first, err := CompilePolicy(context.Background(), keyTrust("k"), get, ModeStrict)
	if err != nil {
		t.Fatal(err)
	}
	second, err := CompilePolicy(context.Background(), keyTrust("k"), get, ModeWarn)
	if err != nil {
		t.Fatal(err)
	}
	if first.Hash() != second.Hash() {
		t.Errorf("hashes differ for the same trust material: %s vs %s", first.Hash(), second.Hash())
	}
}

func TestCompilePolicyNamesWhatIsWrong(t *testing.T) {
	good := publicKeyPEM(t)
	tests := []struct {
		name     string
		trust    Trust
		get      mapGetter
		mode     Mode
		sentinel error
		want     string
	}{
		{"a missing key Secret is not found", keyTrust("ok", "missing"),
			mapGetter{secrets: map[string][]byte{"ok/cosign.pub": good}}, ModeStrict,
			ErrTrustMaterialNotFound, `trust.yaml: keys[1]: Secret "missing" key "cosign.pub"`},
		{"a key that is no PEM is invalid", keyTrust("bad"),
			mapGetter{secrets: map[string][]byte{"bad/cosign.pub": []byte("not a key")}}, ModeStrict,
			ErrInvalidTrust, `trust.yaml: keys[0]: Secret "bad" key "cosign.pub": invalid key: no PEM block`},
		{"a broken trusted root is invalid", Trust{
			Keys:        []KeyRef{{SecretRef: ObjectKeyRef{Name: "k", Key: DefaultPublicKeyKey}}},
			TrustedRoot: &TrustedRootRef{ConfigMapRef: ObjectKeyRef{Name: "root", Key: DefaultTrustedRootKey}},
		}, mapGetter{secrets: map[string][]byte{"k/cosign.pub": good}, configMaps: map[string][]byte{"root/trusted_root.json": []byte("{")}},
			ModeStrict, ErrInvalidTrust, `trust.yaml: trustedRoot: ConfigMap "root" key "trusted_root.json": parsing trusted root`},
		{"a missing trusted root ConfigMap is not found", Trust{
			Keys:        []KeyRef{{SecretRef: ObjectKeyRef{Name: "k", Key: DefaultPublicKeyKey}}},
			TrustedRoot: &TrustedRootRef{ConfigMapRef: ObjectKeyRef{Name: "root", Key: DefaultTrustedRootKey}},
		}, mapGetter{secrets: map[string][]byte{"k/cosign.pub": good}}, ModeStrict,
			ErrTrustMaterialNotFound, `trust.yaml: trustedRoot: ConfigMap "root" key "trusted_root.json"`},
		{"trusting nobody is invalid", Trust{TLog: verify.TLogDisabled}, mapGetter{}, ModeStrict,
			ErrInvalidTrust, "trust.yaml: policy trusts nobody"},
		{"an unknown mode is invalid", keyTrust(), mapGetter{}, Mode("sometimes"),
			ErrInvalidTrust, `verification mode "sometimes"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			policy, err := CompilePolicy(context.Background(), tt.trust, tt.get, tt.mode)
			if err == nil {
				t.Fatalf("CompilePolicy accepted the trust settings: policy %s", policy.Hash())
			}
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("error %q does not wrap %v", err, tt.sentinel)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error does not name the cause:\n got: %v\nwant: …%s…", err, tt.want)
			}
		})
	}
}

func TestClientGetterReadsTheControllerNamespaceOnly(t *testing.T) {
	pub := publicKeyPEM(t)
	root := trustedRootJSON(t)
	reader := fake.NewClientBuilder().WithObjects(
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "cosign-pub", Namespace: "kubernaut-system"},
			Data: map[string][]byte{"cosign.pub": pub}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "elsewhere", Namespace: "default"},
			Data: map[string][]byte{"cosign.pub": pub}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "text-root", Namespace: "kubernaut-system"},
			Data: map[string]string{"trusted_root.json": string(root)}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "binary-root", Namespace: "kubernaut-system"},
			BinaryData: map[string][]byte{"trusted_root.json": root}},
	).Build()
	get := ClientGetter{Reader: reader, Namespace: "kubernaut-system"}
	ctx := context.Background()

	if data, err := get.GetSecretData(ctx, "cosign-pub", "cosign.pub"); err != nil || string(data) != string(pub) {
		t.Errorf("GetSecretData = %q, %v; want the key", data, err)
	}
	for _, cm := range []string{"text-root", "binary-root"} {
		if data, err := get.GetConfigMapData(ctx, cm, "trusted_root.json"); err != nil || string(data) != string(root) {
			t.Errorf("GetConfigMapData(%s) = %d bytes, %v; want the trusted root", cm, len(data), err)
		}
	}
	failures := []struct {
		name string
		call func() ([]byte, error)
		want string
	}{
		{"a Secret of another namespace is not read", func() ([]byte, error) { return get.GetSecretData(ctx, "elsewhere", "cosign.pub") },
			"Secret kubernaut-system/elsewhere does not exist"},
		{"a missing Secret key lists the keys there are", func() ([]byte, error) { return get.GetSecretData(ctx, "cosign-pub", "key.pub") },
			`Secret kubernaut-system/cosign-pub has no key "key.pub" (it has cosign.pub)`},
		{"a missing ConfigMap key is named", func() ([]byte, error) { return get.GetConfigMapData(ctx, "text-root", "root.json") },
			`ConfigMap kubernaut-system/text-root has no key "root.json" (it has trusted_root.json)`},
	}
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			_, err := f.call()
			if !errors.Is(err, ErrTrustMaterialNotFound) || !strings.Contains(err.Error(), f.want) {
				t.Errorf("error = %v; want ErrTrustMaterialNotFound saying …%s…", err, f.want)
			}
		})
	}
}
