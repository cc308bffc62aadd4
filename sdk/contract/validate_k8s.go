package contract

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// resourceKeys are the compute resources a contract may ask for. Extended resources (GPUs,
// hugepages) would tie an action to special nodes; none of the built-in actions need them.
var resourceKeys = []string{"cpu", "memory", "ephemeral-storage"}

// quantityPattern is the Kubernetes quantity grammar without a sign (a negative request is
// meaningless): a decimal number, then a binary-SI suffix, a decimal-SI suffix or an exponent.
var quantityPattern = regexp.MustCompile(`^([0-9]+(\.[0-9]*)?|\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$`)

// maxQuantityExponent bounds "1e<n>" so that comparing quantities cannot be made to compute
// 10^1000000000; real quantities stay far below 10^30.
const maxQuantityExponent = 100

func validateResources(r Resources, errs *fieldErrors) {
	requests := validateResourceList(r.Requests, "spec.resources.requests", errs)
	limits := validateResourceList(r.Limits, "spec.resources.limits", errs)
	for _, key := range resourceKeys {
		req, hasReq := requests[key]
		lim, hasLim := limits[key]
		if hasReq && hasLim && req.Cmp(lim) > 0 {
			// The API server refuses such a pod; saying so here names the contract field.
			errs.add("spec.resources.requests."+key, fmt.Sprintf("%s is more than the limit %s",
				r.Requests[key], r.Limits[key]))
		}
	}
}

// validateResourceList checks keys and quantities and returns the parsed valid ones.
func validateResourceList(list map[string]string, path string, errs *fieldErrors) map[string]*big.Rat {
	parsed := map[string]*big.Rat{}
	for _, key := range sortedKeys(list) {
		at := fieldPath(path, key)
		if !slices.Contains(resourceKeys, key) {
			errs.add(at, "unsupported resource; use cpu, memory or ephemeral-storage")
			continue
		}
		q, err := parseQuantity(list[key])
		if err != nil {
			errs.add(at, err.Error())
			continue
		}
		parsed[key] = q
	}
	return parsed
}

// parseQuantity parses a non-negative Kubernetes quantity ("500m", "128Mi", "1.5", "2e3") into
// an exact rational value, so quantities in different notations compare correctly.
func parseQuantity(s string) (*big.Rat, error) {
	m := quantityPattern.FindStringSubmatch(s)
	if m == nil {
		return nil, fmt.Errorf("%q is not a Kubernetes quantity such as 500m, 128Mi or 2", s)
	}
	value, ok := new(big.Rat).SetString(m[1])
	if !ok {
		return nil, fmt.Errorf("%q is not a Kubernetes quantity such as 500m, 128Mi or 2", s)
	}
	suffix := m[3]
	var base, exp int64 = 10, 0
	switch {
	case strings.HasSuffix(suffix, "i"):
		base, exp = 2, 10*int64(strings.Index("KMGTPE", suffix[:1])+1)
	case suffix != "" && (suffix[0] == 'e' || suffix[0] == 'E'):
		n, err := strconv.ParseInt(suffix[1:], 10, 64)
		if err != nil || n > maxQuantityExponent || n < -maxQuantityExponent {
			return nil, fmt.Errorf("%q has an exponent outside ±%d", s, maxQuantityExponent)
		}
		exp = n
	case suffix != "":
		exp = map[string]int64{"n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}[suffix]
	}
	return value.Mul(value, ratPow(base, exp)), nil
}

func ratPow(base, exp int64) *big.Rat {
	abs := exp
	if abs < 0 {
		abs = -abs
	}
	p := new(big.Int).Exp(big.NewInt(base), big.NewInt(abs), nil)
	if exp < 0 {
		return new(big.Rat).SetFrac(big.NewInt(1), p)
	}
	return new(big.Rat).SetInt(p)
}

// kubernetesVerbs are the resource verbs a contract may grant.
var kubernetesVerbs = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}

// escalatingVerbs let the holder gain permissions it was not given; an action never needs them.
var escalatingVerbs = []string{"escalate", "bind", "impersonate"}

var (
	apiGroupPattern     = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$`)
	resourcePattern     = regexp.MustCompile(`^[a-z][a-z0-9-]*(/[a-z][a-z0-9-]*)?$`)
	wildcardRefusalNote = "wildcards are refused: the contract grants least privilege, so name each one"
)

func validateRBAC(r RBAC, errs *fieldErrors) {
	for i, p := range r.Permissions {
		at := indexPath("spec.rbac.permissions", i)
		validateRuleStrings(p.APIGroups, at+".apiGroups", apiGroupPattern,
			`"" (the core group) or an API group such as apps`, errs)
		validateRuleStrings(p.Resources, at+".resources", resourcePattern,
			"a lower-case resource such as deployments or deployments/scale", errs)
		validateVerbs(p, at, errs)
		for j, name := range p.ResourceNames {
			switch {
			case name == "":
				errs.add(indexPath(at+".resourceNames", j), "must not be empty")
			case strings.Contains(name, "*"):
				errs.add(indexPath(at+".resourceNames", j), wildcardRefusalNote)
			}
		}
		switch p.Scope {
		case "", ScopeNamespaced, ScopeCluster:
		default:
			errs.add(at+".scope", fmt.Sprintf("%q is not a scope; use Namespaced (the default) or Cluster", p.Scope))
		}
	}
}

// validateRuleStrings checks a non-empty list of API groups or resources.
func validateRuleStrings(list []string, path string, pattern *regexp.Regexp, want string, errs *fieldErrors) {
	if len(list) == 0 {
		errs.add(path, "must list at least one entry")
		return
	}
	for i, s := range list {
		switch {
		case strings.Contains(s, "*"):
			errs.add(indexPath(path, i), wildcardRefusalNote)
		case !pattern.MatchString(s):
			errs.add(indexPath(path, i), fmt.Sprintf("%q is not valid; use %s", s, want))
		}
	}
}

func validateVerbs(p Permission, at string, errs *fieldErrors) {
	if len(p.Verbs) == 0 {
		errs.add(at+".verbs", "must list at least one verb")
		return
	}
	for i, verb := range p.Verbs {
		path := indexPath(at+".verbs", i)
		switch {
		case strings.Contains(verb, "*"):
			errs.add(path, wildcardRefusalNote)
		case slices.Contains(escalatingVerbs, verb):
			errs.add(path, fmt.Sprintf("%q lets the action grant itself more permissions; it is never allowed in a contract", verb))
		case !slices.Contains(kubernetesVerbs, verb):
			errs.add(path, fmt.Sprintf("%q is not a verb; use %s", verb, strings.Join(kubernetesVerbs, ", ")))
		case len(p.ResourceNames) > 0 && (verb == "create" || verb == "deletecollection"):
			// Kubernetes cannot restrict these by name, so the rule would silently never allow them.
			errs.add(path, fmt.Sprintf("%q cannot be restricted by resourceNames, so this rule would never allow it; "+
				"grant it in a rule without resourceNames", verb))
		}
	}
}
