package deploy

import (
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/kubernaut/kubernaut/internal/actionregistry"
	"github.com/kubernaut/kubernaut/internal/signing"
	"github.com/kubernaut/kubernaut/internal/verify"
)

// TrustSecretName is the Secret Deploy writes the trusted public keys to, in Namespace.
const TrustSecretName = "kubernaut-dev-trusted-keys"

// ActionRegistry is what Deploy writes into the action registry ConfigMap
// (actionregistry.ConfigMapName): the entries and who may sign their images.
type ActionRegistry struct {
	// Entries map each action type ("<group>/<name>") to its entry.
	Entries map[string]RegistryEntry
	// TrustedKeys are PEM public keys (cosign.pub); they go into the Secret TrustSecretName and
	// trust.yaml names them. Empty: nobody is trusted, so strict entries refuse every run.
	TrustedKeys [][]byte
	// TLog is trust.yaml's transparency-log policy; verify.TLogDisabled when empty, because
	// keys used in development sign without uploading to a transparency log.
	TLog verify.TLogPolicy
}

// RegistryEntry is one entry of registry.yaml, with the field names the seed uses.
type RegistryEntry struct {
	// Image is the only image allowed for the action type, by digest.
	Image string `json:"image"`
	// Contract is the contract's path inside the image; /action-contract.yaml when empty.
	Contract string `json:"contract,omitempty"`
	// Verification is strict (default), warn or disabled.
	Verification actionregistry.Mode `json:"verification,omitempty"`
	// ServiceAccountName names a pre-created ServiceAccount every run of the action uses.
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
}

// trustDocument is trust.yaml as Deploy writes it.
type trustDocument struct {
	Keys []actionregistry.KeyRef `json:"keys,omitempty"`
	TLog verify.TLogPolicy       `json:"tlog"`
}

// ParseRegistryEntries reads a registry.yaml document (the seed's map of action type to entry),
// refusing unknown fields.
func ParseRegistryEntries(data []byte) (map[string]RegistryEntry, error) {
	entries := map[string]RegistryEntry{}
	if err := yaml.UnmarshalStrict(data, &entries); err != nil {
		return nil, fmt.Errorf("registry entries: %w", err)
	}
	return entries, nil
}

// configMapData renders the registry ConfigMap's data and the trusted-key Secret's data, and
// checks them with the parser the manager uses, so that a mistake fails here and not in every
// run.
func (r ActionRegistry) configMapData() (data map[string]string, keys map[string][]byte, err error) {
	keys = map[string][]byte{}
	trust := trustDocument{TLog: r.TLog}
	if trust.TLog == "" {
		trust.TLog = verify.TLogDisabled
	}
	for i, pem := range r.TrustedKeys {
		if _, err := signing.LoadPublicKey(pem); err != nil {
			return nil, nil, fmt.Errorf("trusted key %d: %w", i+1, err)
		}
		key := fmt.Sprintf("key-%d.pub", i)
		keys[key] = pem
		trust.Keys = append(trust.Keys, actionregistry.KeyRef{SecretRef: actionregistry.ObjectKeyRef{Name: TrustSecretName, Key: key}})
	}
	entries := r.Entries
	if entries == nil {
		entries = map[string]RegistryEntry{}
	}
	registryYAML, err := yaml.Marshal(entries)
	if err != nil {
		return nil, nil, fmt.Errorf("registry entries: %w", err)
	}
	trustYAML, err := yaml.Marshal(trust)
	if err != nil {
		return nil, nil, fmt.Errorf("trust settings: %w", err)
	}
	data = map[string]string{actionregistry.RegistryKey: string(registryYAML), actionregistry.TrustKey: string(trustYAML)}
	if _, err := actionregistry.Parse(data); err != nil {
		return nil, nil, fmt.Errorf("action registry: %w", err)
	}
	return data, keys, nil
}

// applyActionRegistry puts the registry into the rendered ConfigMap and returns the Secret of
// trusted keys to apply with it.
func applyActionRegistry(objs []*unstructured.Unstructured, r ActionRegistry) (*unstructured.Unstructured, error) {
	cm := findObject(objs, "ConfigMap", actionregistry.ConfigMapName)
	if cm == nil {
		return nil, errors.New("config/default has no ConfigMap " + actionregistry.ConfigMapName)
	}
	data, keys, err := r.configMapData()
	if err != nil {
		return nil, err
	}
	if err := unstructured.SetNestedStringMap(cm.Object, data, "data"); err != nil {
		return nil, err
	}
	return trustSecret(cm.GetNamespace(), keys), nil
}

// trustSecret is the Secret of trusted public keys, by key name.
func trustSecret(namespace string, keys map[string][]byte) *unstructured.Unstructured {
	data := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		data[k] = base64.StdEncoding.EncodeToString(keys[k])
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1",
		"kind":       "Secret",
		"metadata": map[string]any{
			"name":      TrustSecretName,
			"namespace": namespace,
			"labels":    map[string]any{"app.kubernetes.io/name": "kubernaut", "app.kubernetes.io/managed-by": FieldManager},
		},
		"type": "Opaque",
		"data": data,
	}}
}
