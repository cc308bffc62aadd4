package actionregistry

import (
	"testing"
)

// FuzzParse checks that Parse never panics and that whatever it accepts keeps the registry's
// invariants: valid action types, absolute contract paths, a known mode, and a digest reference
// wherever signatures are checked.
func FuzzParse(f *testing.F) {
	f.Add(seedRegistry, trustKeys)
	f.Add("a/b: {image: 'x:v1', verification: disabled}", "")
	f.Add("{}", "keyless: [{issuer: a, subjectRegexp: b}]\ntrustedRoot: {configMapRef: {name: r}}")
	f.Add("a/b: [1, {c: d}]", "keys: [{secretRef: {name: 7}}]")
	f.Fuzz(func(t *testing.T, registry, trust string) {
		reg, err := Parse(map[string]string{RegistryKey: registry, TrustKey: trust})
		if err != nil {
			return
		}
		for _, e := range reg.Entries() {
			if !actionTypePattern.MatchString(e.ActionType) {
				t.Errorf("accepted action type %q", e.ActionType)
			}
			if e.ContractPath == "" || e.ContractPath[0] != '/' {
				t.Errorf("%s: accepted contract path %q", e.ActionType, e.ContractPath)
			}
			switch e.Verification {
			case ModeStrict, ModeWarn:
				if !digestPattern.MatchString(e.Image) {
					t.Errorf("%s: accepted image %q without digest in mode %s", e.ActionType, e.Image, e.Verification)
				}
			case ModeDisabled:
			default:
				t.Errorf("%s: accepted mode %q", e.ActionType, e.Verification)
			}
		}
	})
}
