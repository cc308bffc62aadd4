package registry

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
)

// dockerHubHost is how go-containerregistry names Docker Hub in Resource.RegistryStr().
const dockerHubHost = "index.docker.io"

// dockerAuth is one registry entry of a docker config document.
type dockerAuth struct {
	Username      string `json:"username,omitempty"`
	Password      string `json:"password,omitempty"`
	Auth          string `json:"auth,omitempty"`
	IdentityToken string `json:"identitytoken,omitempty"`
	RegistryToken string `json:"registrytoken,omitempty"`
}

// credentialEntry is one parsed registry key with its credentials. The key follows the kubelet's
// rules: a host with optional port and path prefix, where each host label may be a glob
// ("*.example.com").
type credentialEntry struct {
	key      string // as written, for error messages
	hostGlob string // lower-case host, Docker Hub aliases folded to index.docker.io
	port     string
	path     string // repository path prefix without leading or trailing slash; "" matches all
	config   authn.AuthConfig
}

// parseAnyDockerConfig detects the format of a pull-secret document: `.dockerconfigjson` wraps
// the registry map in "auths", legacy `.dockercfg` does not.
func parseAnyDockerConfig(data []byte) ([]credentialEntry, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if _, ok := top["auths"]; ok {
		return parseDockerConfigJSON(data)
	}
	return parseDockercfg(data)
}

// parseDockerConfigJSON reads the `.dockerconfigjson` format: {"auths": {"<registry>": {...}}}.
func parseDockerConfigJSON(data []byte) ([]credentialEntry, error) {
	var doc struct {
		Auths map[string]dockerAuth `json:"auths"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not a docker config.json document: %w", err)
	}
	if doc.Auths == nil {
		return nil, errors.New(`no "auths" object; a legacy .dockercfg document belongs in a kubernetes.io/dockercfg secret`)
	}
	return entriesFromAuths(doc.Auths)
}

// parseDockercfg reads the legacy `.dockercfg` format: {"<registry>": {...}}.
func parseDockercfg(data []byte) ([]credentialEntry, error) {
	var auths map[string]dockerAuth
	if err := json.Unmarshal(data, &auths); err != nil {
		return nil, fmt.Errorf("not a legacy .dockercfg document: %w", err)
	}
	return entriesFromAuths(auths)
}

func entriesFromAuths(auths map[string]dockerAuth) ([]credentialEntry, error) {
	entries := make([]credentialEntry, 0, len(auths))
	for key, auth := range auths {
		e, err := newCredentialEntry(key, auth)
		if err != nil {
			return nil, err
		}
		// An entry without credentials would shadow the default keychain with empty ones.
		if e.config != (authn.AuthConfig{}) {
			entries = append(entries, e)
		}
	}
	// Map order is random; sort so that the result (and the winner among equals) is stable.
	sort.Slice(entries, func(i, j int) bool { return entries[i].key < entries[j].key })
	return entries, nil
}

func newCredentialEntry(key string, auth dockerAuth) (credentialEntry, error) {
	cfg, err := authConfig(auth)
	if err != nil {
		return credentialEntry{}, fmt.Errorf("registry %q: %w", key, err)
	}
	raw := key
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return credentialEntry{}, fmt.Errorf("registry %q is not a host[:port][/path]", key)
	}
	host, port := u.Host, ""
	if h, p, err := net.SplitHostPort(u.Host); err == nil {
		host, port = h, p
	}
	host = strings.ToLower(host)
	if host == "docker.io" || host == "registry-1.docker.io" {
		host = dockerHubHost
	}
	// Docker treats https://host/v1/ and /v2/ as the bare host (kubelet does the same).
	p := u.Path
	if strings.HasPrefix(p, "/v1/") || strings.HasPrefix(p, "/v2/") {
		p = p[3:]
	}
	return credentialEntry{key: key, hostGlob: host, port: port, path: strings.Trim(p, "/"), config: cfg}, nil
}

// authConfig decodes the "auth" field (base64 of user:password), which wins over the separate
// username and password fields as it does in the kubelet.
func authConfig(a dockerAuth) (authn.AuthConfig, error) {
	cfg := authn.AuthConfig{Username: a.Username, Password: a.Password,
		IdentityToken: a.IdentityToken, RegistryToken: a.RegistryToken}
	if a.Auth == "" {
		return cfg, nil
	}
	decoded, err := base64.StdEncoding.DecodeString(a.Auth)
	if err != nil {
		return cfg, fmt.Errorf(`field "auth" is not base64: %w`, err)
	}
	user, pass, ok := strings.Cut(string(decoded), ":")
	if !ok {
		return cfg, errors.New(`field "auth" does not decode to "username:password"`)
	}
	cfg.Username, cfg.Password = user, pass
	return cfg, nil
}

// matches reports whether the entry applies to a repository on host[:port] at repoPath.
func (e *credentialEntry) matches(host, port, repoPath string) bool {
	if e.port != port {
		return false
	}
	globLabels, labels := strings.Split(e.hostGlob, "."), strings.Split(host, ".")
	if len(globLabels) != len(labels) {
		return false
	}
	for i := range labels {
		if ok, err := path.Match(globLabels[i], labels[i]); err != nil || !ok {
			return false
		}
	}
	return e.path == "" || repoPath == e.path || strings.HasPrefix(repoPath, e.path+"/")
}

// specificity orders entries: longer path prefixes first, then exact hosts before globs.
func (e *credentialEntry) moreSpecificThan(o *credentialEntry) bool {
	if len(e.path) != len(o.path) {
		return len(e.path) > len(o.path)
	}
	return strings.Count(e.hostGlob, "*") < strings.Count(o.hostGlob, "*")
}

// pullSecretKeychain resolves credentials from parsed pull-secret entries.
type pullSecretKeychain struct {
	entries []credentialEntry
}

func newPullSecretKeychain(entries []credentialEntry) *pullSecretKeychain {
	sorted := append([]credentialEntry(nil), entries...)
	// Stable: among equally specific entries the earlier secret wins.
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].moreSpecificThan(&sorted[j]) })
	return &pullSecretKeychain{entries: sorted}
}

// Resolve implements authn.Keychain. It returns authn.Anonymous when no entry matches, so a
// multi-keychain falls through to the next source.
func (k *pullSecretKeychain) Resolve(target authn.Resource) (authn.Authenticator, error) {
	registry := target.RegistryStr()
	repoPath := strings.Trim(strings.TrimPrefix(target.String(), registry), "/")
	host, port := registry, ""
	if h, p, err := net.SplitHostPort(registry); err == nil {
		host, port = h, p
	}
	host = strings.ToLower(host)
	for i := range k.entries {
		if k.entries[i].matches(host, port, repoPath) {
			return authn.FromConfig(k.entries[i].config), nil
		}
	}
	return authn.Anonymous, nil
}
