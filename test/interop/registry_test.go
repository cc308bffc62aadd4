package interop_test

import ()

// registryModes are the two ways a registry can hold a bundle signature: as an OCI 1.1 referrer
// served by the Referrers API, or, without that API, behind the `sha256-<hex>` fallback tag index.
var registryModes = []struct {
	name      string
	referrers bool
}{
	{"with the referrers API", true},
	{"without the referrers API", false},
}
