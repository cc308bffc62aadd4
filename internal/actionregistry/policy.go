package actionregistry

import (
	"context"
	"crypto"
	"fmt"
	"slices"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/root"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubernaut/kubernaut/internal/signing"
	"github.com/kubernaut/kubernaut/internal/verify"
)

// SecretOrConfigMapGetter reads one key of a Secret or ConfigMap in the controller's namespace.
// Implementations wrap ErrTrustMaterialNotFound when the object or the key does not exist.
type SecretOrConfigMapGetter interface {
	GetSecretData(ctx context.Context, name, key string) ([]byte, error)
	GetConfigMapData(ctx context.Context, name, key string) ([]byte, error)
}

// CompilePolicy reads the trust material that trust names and compiles the verification policy
// for an entry in mode. It returns a nil policy and no error for ModeDisabled: there is nothing
// to verify. Strict and warn policies require a digest (RequireDigest), as their images are.
//
// Errors name the trust.yaml field and the object: a getter error is wrapped as is (so
// ErrTrustMaterialNotFound and API errors stay visible to errors.Is), every other error wraps
// ErrInvalidTrust. The policy's Hash depends only on the material, so an unchanged Secret gives
// the same hash and the verifier's cache keeps working across calls.
func CompilePolicy(ctx context.Context, trust Trust, get SecretOrConfigMapGetter, mode Mode) (*verify.Policy, error) {
	switch mode {
	case ModeDisabled:
		return nil, nil
	case ModeStrict, ModeWarn:
	default:
		return nil, fmt.Errorf("%w: verification mode %q is not one of strict, warn, disabled", ErrInvalidTrust, mode)
	}
	keys, err := loadKeys(ctx, trust.Keys, get)
	if err != nil {
		return nil, err
	}
	opts := verify.PolicyOptions{
		Keys:              keys,
		TLog:              trust.TLog,
		RequireDigest:     true,
		InsecureIgnoreSCT: trust.InsecureIgnoreSCT,
	}
	for _, id := range trust.Keyless {
		opts.Identities = append(opts.Identities, id.Identity())
	}
	if trust.TrustedRoot != nil {
		tr, err := loadTrustedRoot(ctx, trust.TrustedRoot.ConfigMapRef, get)
		if err != nil {
			return nil, err
		}
		opts.TrustedMaterial = tr
	}
	policy, err := verify.Compile(opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidTrust, TrustKey, err)
	}
	return policy, nil
}

func loadKeys(ctx context.Context, refs []KeyRef, get SecretOrConfigMapGetter) ([]crypto.PublicKey, error) {
	keys := make([]crypto.PublicKey, 0, len(refs))
	for i, ref := range refs {
		at := fmt.Sprintf("%s: keys[%d]: Secret %q key %q", TrustKey, i, ref.SecretRef.Name, ref.SecretRef.Key)
		data, err := get.GetSecretData(ctx, ref.SecretRef.Name, ref.SecretRef.Key)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", at, err)
		}
		pub, err := signing.LoadPublicKey(data)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrInvalidTrust, at, err)
		}
		keys = append(keys, pub)
	}
	return keys, nil
}

func loadTrustedRoot(ctx context.Context, ref ObjectKeyRef, get SecretOrConfigMapGetter) (*root.TrustedRoot, error) {
	at := fmt.Sprintf("%s: trustedRoot: ConfigMap %q key %q", TrustKey, ref.Name, ref.Key)
	data, err := get.GetConfigMapData(ctx, ref.Name, ref.Key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", at, err)
	}
	tr, err := verify.ParseTrustedRoot(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidTrust, at, err)
	}
	return tr, nil
}

// ClientGetter reads trust material from Namespace through a controller-runtime reader. Pass a
// reader whose cache is limited to the controller's namespace (or the manager's APIReader):
// reading Secrets through an unrestricted cache would watch every Secret of the cluster.
type ClientGetter struct {
	Reader    client.Reader
	Namespace string
}

// GetSecretData returns the value of key in Secret name.
func (g ClientGetter) GetSecretData(ctx context.Context, name, key string) ([]byte, error) {
	var s corev1.Secret
	if err := g.get(ctx, name, "Secret", &s); err != nil {
		return nil, err
	}
	if v, ok := s.Data[key]; ok {
		return v, nil
	}
	return nil, missingKey("Secret", g.Namespace, name, key, sortedKeys(s.Data))
}

// GetConfigMapData returns the value of key in ConfigMap name, from data or binaryData.
func (g ClientGetter) GetConfigMapData(ctx context.Context, name, key string) ([]byte, error) {
	var cm corev1.ConfigMap
	if err := g.get(ctx, name, "ConfigMap", &cm); err != nil {
		return nil, err
	}
	if v, ok := cm.Data[key]; ok {
		return []byte(v), nil
	}
	if v, ok := cm.BinaryData[key]; ok {
		return v, nil
	}
	return nil, missingKey("ConfigMap", g.Namespace, name, key, append(sortedKeys(cm.Data), sortedKeys(cm.BinaryData)...))
}

func (g ClientGetter) get(ctx context.Context, name, kind string, obj client.Object) error {
	err := g.Reader.Get(ctx, client.ObjectKey{Namespace: g.Namespace, Name: name}, obj)
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("%w: %s %s/%s does not exist: %w", ErrTrustMaterialNotFound, kind, g.Namespace, name, err)
	case err != nil:
		return fmt.Errorf("reading %s %s/%s: %w", kind, g.Namespace, name, err)
	}
	return nil
}

// missingKey names the keys the object has, which makes a misspelt key obvious; key names are
// not secret, values are never shown.
func missingKey(kind, namespace, name, key string, have []string) error {
	slices.Sort(have)
	listed := "it has no keys"
	if len(have) > 0 {
		listed = "it has " + strings.Join(have, ", ")
	}
	return fmt.Errorf("%w: %s %s/%s has no key %q (%s)", ErrTrustMaterialNotFound, kind, namespace, name, key, listed)
}
