package contract

import (
	"cmp"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// semverPattern is the semver.org 2.0.0 grammar, with an optional leading "v" because image tags
// conventionally carry one.
var semverPattern = regexp.MustCompile(`^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)` +
	`(?:-((?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
	`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

// Version is a parsed semantic version.
type Version struct {
	Major, Minor, Patch uint64
	// Prerelease holds the dot-separated identifiers after "-", empty for a release.
	Prerelease []string
	// Build is the metadata after "+"; it takes no part in precedence.
	Build string
}

// ParseVersion parses "1.2.3" or "v1.2.3", with optional "-prerelease" and "+build" parts.
func ParseVersion(s string) (Version, error) {
	m := semverPattern.FindStringSubmatch(s)
	if m == nil {
		return Version{}, fmt.Errorf("%q is not a semantic version such as v1.2.3 or 1.2.3-rc.1", s)
	}
	var v Version
	for i, field := range []*uint64{&v.Major, &v.Minor, &v.Patch} {
		n, err := strconv.ParseUint(m[i+1], 10, 64)
		if err != nil {
			return Version{}, fmt.Errorf("%q has a version number too large for 64 bits", s)
		}
		*field = n
	}
	if m[4] != "" {
		v.Prerelease = strings.Split(m[4], ".")
	}
	v.Build = m[5]
	return v, nil
}

// Compare orders versions by semver precedence: -1 if v < w, 0 if equal, +1 if v > w. Build
// metadata is ignored, and a prerelease sorts before its release.
func (v Version) Compare(w Version) int {
	if c := cmp.Compare(v.Major, w.Major); c != 0 {
		return c
	}
	if c := cmp.Compare(v.Minor, w.Minor); c != 0 {
		return c
	}
	if c := cmp.Compare(v.Patch, w.Patch); c != 0 {
		return c
	}
	switch {
	case len(v.Prerelease) == 0 && len(w.Prerelease) == 0:
		return 0
	case len(v.Prerelease) == 0:
		return 1
	case len(w.Prerelease) == 0:
		return -1
	}
	for i := 0; i < len(v.Prerelease) && i < len(w.Prerelease); i++ {
		if c := comparePrereleaseIdentifier(v.Prerelease[i], w.Prerelease[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(v.Prerelease), len(w.Prerelease))
}

// comparePrereleaseIdentifier: numeric identifiers compare numerically and sort before
// alphanumeric ones, which compare in ASCII order.
func comparePrereleaseIdentifier(a, b string) int {
	na, errA := strconv.ParseUint(a, 10, 64)
	nb, errB := strconv.ParseUint(b, 10, 64)
	switch {
	case errA == nil && errB == nil:
		return cmp.Compare(na, nb)
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	return strings.Compare(a, b)
}

// String formats the version without a leading "v".
func (v Version) String() string {
	s := fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
	if len(v.Prerelease) > 0 {
		s += "-" + strings.Join(v.Prerelease, ".")
	}
	if v.Build != "" {
		s += "+" + v.Build
	}
	return s
}
