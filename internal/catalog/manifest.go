package catalog

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/kubernaut/kubernaut/internal/actionregistry"
)

// Defaults of the rendered manifests: the namespace config/default installs into, and the Secret
// holding the public key, as the shipped registry ConfigMap's example names it.
const (
	DefaultNamespace     = "kubernaut-system"
	DefaultKeySecretName = "kubernaut-cosign-pub"
)

// RegistryOptions configure the rendered registry ConfigMap.
type RegistryOptions struct {
	// Namespace of the ConfigMap and Secret (default kubernaut-system).
	Namespace string
	// KeySecretName names the Secret whose key cosign.pub verifies the signatures (default
	// kubernaut-cosign-pub).
	KeySecretName string
}

func (o RegistryOptions) withDefaults() RegistryOptions {
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if o.KeySecretName == "" {
		o.KeySecretName = DefaultKeySecretName
	}
	return o
}

// registryEntry is one action type's entry in registry.yaml.
type registryEntry struct {
	Image        string              `json:"image"`
	Verification actionregistry.Mode `json:"verification"`
}

// RegistryConfigMap renders the action registry ConfigMap listing every published action by
// digest, in strict verification mode, trusting the key in the Secret named by opts. The result
// is parsed back with the controller's own parser, so a file this writes is one the controller
// accepts.
func RegistryConfigMap(published []Published, opts RegistryOptions) ([]byte, error) {
	opts = opts.withDefaults()
	entries := map[string]registryEntry{}
	for _, p := range published {
		entries[p.Type] = registryEntry{Image: p.Image, Verification: actionregistry.ModeStrict}
	}
	registryYAML, err := yaml.Marshal(entries)
	if err != nil {
		return nil, err
	}
	trust := actionregistry.Trust{
		Keys: []actionregistry.KeyRef{{SecretRef: actionregistry.ObjectKeyRef{Name: opts.KeySecretName}}},
		// Key-signed images carry no transparency-log entry: the key is the trust anchor.
		TLog: "disabled",
	}
	trustYAML, err := yaml.Marshal(trust)
	if err != nil {
		return nil, err
	}
	data := map[string]string{actionregistry.RegistryKey: string(registryYAML), actionregistry.TrustKey: string(trustYAML)}
	if _, err := actionregistry.Parse(data); err != nil {
		return nil, fmt.Errorf("the rendered registry does not parse: %w", err)
	}
	return marshalObject(&corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: objectMeta(actionregistry.ConfigMapName, opts.Namespace),
		Data:       data,
	})
}

// PublicKeySecret renders the Secret holding the public key the registry trusts.
func PublicKeySecret(publicPEM []byte, opts RegistryOptions) ([]byte, error) {
	opts = opts.withDefaults()
	return marshalObject(&corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: objectMeta(opts.KeySecretName, opts.Namespace),
		Data:       map[string][]byte{actionregistry.DefaultPublicKeyKey: publicPEM},
	})
}

func objectMeta(name, namespace string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: map[string]string{"app.kubernetes.io/name": "kubernaut"}}
}

// marshalObject renders obj as YAML without the empty creationTimestamp the API types carry.
func marshalObject(obj any) ([]byte, error) {
	b, err := yaml.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if meta, ok := m["metadata"].(map[string]any); ok {
		delete(meta, "creationTimestamp")
	}
	return yaml.Marshal(m)
}
