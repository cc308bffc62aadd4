// Package registry is the go-containerregistry glue shared by the image builder, the signature
// verifier and the contract loader: one keychain (docker config plus Kubernetes pull secrets),
// one way to build remote options, and a counting transport that proves what was fetched.
package registry

import (
	"errors"
	"fmt"

	"github.com/google/go-containerregistry/pkg/authn"
	corev1 "k8s.io/api/core/v1"
)

// ErrNotPullSecret is returned by KeychainFromSecrets for a Secret that cannot hold registry
// credentials (its type is neither kubernetes.io/dockerconfigjson nor kubernetes.io/dockercfg).
var ErrNotPullSecret = errors.New("not an image pull secret")

// NewKeychain returns the keychain for registry calls: credentials from the given docker config
// documents first, then the default keychain ($HOME/.docker/config.json or $DOCKER_CONFIG, with
// its credential helpers). Pull secrets come first because, as in the kubelet, credentials a
// workload names explicitly win over ambient ones.
//
// Each document is either the content of a `.dockerconfigjson` key ({"auths": {...}}) or of a
// legacy `.dockercfg` key (the registry map without the "auths" wrapper); the format is detected
// by the presence of a top-level "auths" object.
func NewKeychain(dockerConfigJSONs ...[]byte) (authn.Keychain, error) {
	var entries []credentialEntry
	for i, doc := range dockerConfigJSONs {
		parsed, err := parseAnyDockerConfig(doc)
		if err != nil {
			return nil, fmt.Errorf("registry credentials document #%d: %w", i, err)
		}
		entries = append(entries, parsed...)
	}
	return withDefault(entries), nil
}

// KeychainFromSecrets is NewKeychain for Kubernetes image pull secrets: it reads the
// `.dockerconfigjson` key of kubernetes.io/dockerconfigjson Secrets and the `.dockercfg` key of
// kubernetes.io/dockercfg Secrets, in the order given. Any other Secret type is an error
// wrapping ErrNotPullSecret, so a misconfigured imagePullSecrets entry is reported, not ignored.
func KeychainFromSecrets(secrets []corev1.Secret) (authn.Keychain, error) {
	var entries []credentialEntry
	for i := range secrets {
		parsed, err := parseSecret(&secrets[i])
		if err != nil {
			return nil, err
		}
		entries = append(entries, parsed...)
	}
	return withDefault(entries), nil
}

func parseSecret(s *corev1.Secret) ([]credentialEntry, error) {
	id := fmt.Sprintf("secret %s/%s", s.Namespace, s.Name)
	var key string
	var parse func([]byte) ([]credentialEntry, error)
	switch s.Type {
	case corev1.SecretTypeDockerConfigJson:
		key, parse = corev1.DockerConfigJsonKey, parseDockerConfigJSON
	case corev1.SecretTypeDockercfg:
		key, parse = corev1.DockerConfigKey, parseDockercfg
	default:
		return nil, fmt.Errorf("%s has type %q: %w; use type %q or %q", id, s.Type, ErrNotPullSecret,
			corev1.SecretTypeDockerConfigJson, corev1.SecretTypeDockercfg)
	}
	data, ok := s.Data[key]
	if !ok {
		return nil, fmt.Errorf("%s of type %q has no %q key", id, s.Type, key)
	}
	entries, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s key %q: %w", id, key, err)
	}
	return entries, nil
}

// withDefault puts the pull-secret credentials in front of the default keychain.
func withDefault(entries []credentialEntry) authn.Keychain {
	if len(entries) == 0 {
		return authn.DefaultKeychain
	}
	return authn.NewMultiKeychain(newPullSecretKeychain(entries), authn.DefaultKeychain)
}
