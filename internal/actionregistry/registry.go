// Package actionregistry reads the action registry: the ConfigMap kubernaut-action-registry
// that maps each action type to the one image allowed to implement it, the contract path inside
// that image and the verification mode, plus the trust settings signatures are checked against
// (DESIGN D2, D4).
//
// The ConfigMap has two keys, because ConfigMap keys cannot contain the "/" of an action type:
//
//	registry.yaml: |
//	  kubernetes/scale_deployment:
//	    image: ghcr.io/kubernaut/actions/scale@sha256:<64 hex digits>
//	    contract: /action-contract.yaml   # default
//	    verification: strict              # strict (default) | warn | disabled
//	    serviceAccountName: scaler        # optional: run as this pre-created ServiceAccount
//	trust.yaml: |
//	  keys:
//	  - secretRef: {name: cosign-pub, key: cosign.pub}
//	  keyless:
//	  - issuer: https://token.actions.githubusercontent.com
//	    subjectRegexp: ^https://github.com/kubernaut/actions/
//	  trustedRoot:
//	    configMapRef: {name: sigstore-trusted-root, key: trusted_root.json}
//	  tlog: required                      # required (default) | optional | disabled
//
// Parsing is strict: an unknown field, a tag where a digest is required or a relative contract
// path is an error naming the key, the action type and the field, because a typo in a security
// setting must never be silently ignored. Parse is pure; CompilePolicy reads the referenced
// Secrets and ConfigMaps through a small getter interface and compiles a verify.Policy.
package actionregistry

import (
	"maps"
	"slices"
)

// The ConfigMap and its keys.
const (
	// ConfigMapName is the name of the registry ConfigMap in the controller's namespace.
	ConfigMapName = "kubernaut-action-registry"
	// RegistryKey holds the map from action type to registry entry.
	RegistryKey = "registry.yaml"
	// TrustKey holds the trust settings: keys, keyless identities, trusted root, tlog policy.
	TrustKey = "trust.yaml"
)

// Mode is an entry's verification mode.
type Mode string

// The verification modes of DESIGN D4.
const (
	// ModeStrict: the image digest must carry a signature the trust settings accept, or the run
	// is refused. The default.
	ModeStrict Mode = "strict"
	// ModeWarn: the signature is verified, but a failure only warns (condition and event) and
	// the action runs anyway. For migrating an action to signed images.
	ModeWarn Mode = "warn"
	// ModeDisabled: nothing is verified. Explicit, and announced on every run.
	ModeDisabled Mode = "disabled"
)

// Verifies reports whether the mode checks signatures (strict and warn).
func (m Mode) Verifies() bool { return m == ModeStrict || m == ModeWarn }

// Entry is one action type's registry entry, with defaults applied.
type Entry struct {
	// ActionType is the registry key, "<group>/<name>".
	ActionType string
	// Image is the only image allowed for the action type. It is a digest reference
	// ("<repository>@sha256:<hex>") unless Verification is ModeDisabled.
	Image string
	// ContractPath is the absolute path of the contract inside the image (default
	// /action-contract.yaml).
	ContractPath string
	// Verification is the entry's mode (default ModeStrict).
	Verification Mode
	// ServiceAccountName, when set, names a pre-created ServiceAccount in the run's namespace
	// that every run of this action uses; the controller then grants no permissions itself.
	ServiceAccountName string
}

// Registry is a parsed, validated registry ConfigMap. It is immutable.
type Registry struct {
	entries map[string]Entry
	trust   Trust
}

// Lookup returns the entry of actionType.
func (r *Registry) Lookup(actionType string) (Entry, bool) {
	e, ok := r.entries[actionType]
	return e, ok
}

// Entries returns every entry, sorted by action type.
func (r *Registry) Entries() []Entry {
	out := make([]Entry, 0, len(r.entries))
	for _, key := range slices.Sorted(maps.Keys(r.entries)) {
		out = append(out, r.entries[key])
	}
	return out
}

// Trust returns the trust settings (a copy: callers cannot change the registry's).
func (r *Registry) Trust() Trust { return r.trust.clone() }

// Parse reads the data of the registry ConfigMap. The key registry.yaml is required (write
// "{}" for an empty registry: a missing key is more often a misspelt one); trust.yaml is
// optional, for registries whose entries are all disabled. Any other key is refused. Every
// problem is reported at once in a *ParseError.
func Parse(data map[string]string) (*Registry, error) {
	var list []Problem
	whole := problems{list: &list}
	for _, key := range sortedKeys(data) {
		if key != RegistryKey && key != TrustKey {
			whole.add("", "unknown key "+key+suggest(key, []string{RegistryKey, TrustKey}))
		}
	}
	reg := &Registry{}
	raw, ok := data[RegistryKey]
	if !ok {
		whole.add("", "missing key "+RegistryKey+" (write {} for a registry without actions)")
	} else {
		reg.entries = parseEntries(raw, problems{key: RegistryKey, list: &list})
	}
	reg.trust = parseTrust(data[TrustKey], problems{key: TrustKey, list: &list})
	if len(list) > 0 {
		return nil, &ParseError{Problems: list}
	}
	return reg, nil
}
