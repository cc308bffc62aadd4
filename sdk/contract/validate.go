package contract

import (
	"fmt"
	"regexp"
	"strconv"
)

// Limits on names. Contract names end up in Kubernetes object names and labels, so they follow
// the DNS-1123 label rules; parameter names end up in Tekton results, environment-style lookups
// and `$(steps.<step>.outputs.<name>)` references, so they are identifiers.
const (
	maxNameLength      = 63
	maxParameterLength = 63
)

var (
	dns1123Label = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	identifier   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// Validate checks the contract's meaning: names, version, parameter types and constraints,
// resources, RBAC rules, credentials. It returns nil or a *ValidationError listing every
// problem at once.
//
// Validate does not refuse security settings that loosen the restricted baseline; that policy
// belongs to the controller and to `contract lint`, which use SecurityViolations.
func (c *ActionContract) Validate() error {
	var errs fieldErrors
	if c.APIVersion != APIVersion {
		errs.add("apiVersion", fmt.Sprintf("must be %q, got %q", APIVersion, c.APIVersion))
	}
	if c.Kind != Kind {
		errs.add("kind", fmt.Sprintf("must be %q, got %q", Kind, c.Kind))
	}
	validateMetadata(c.Metadata, &errs)
	validateParameters(c.Spec.Inputs, "spec.inputs", true, &errs)
	validateParameters(c.Spec.Outputs, "spec.outputs", false, &errs)
	validateResources(c.Spec.Resources, &errs)
	validateRBAC(c.Spec.RBAC, &errs)
	validateSecurityContext(c.Spec.SecurityContext, &errs)
	validateCredentials(c.Spec.Credentials, &errs)
	if len(errs) == 0 {
		return nil
	}
	return &ValidationError{Errors: errs}
}

func validateMetadata(m Metadata, errs *fieldErrors) {
	switch {
	case m.Name == "":
		errs.add("metadata.name", "required")
	case len(m.Name) > maxNameLength:
		errs.add("metadata.name", fmt.Sprintf("must be at most %d characters, got %d", maxNameLength, len(m.Name)))
	case !dns1123Label.MatchString(m.Name):
		errs.add("metadata.name", fmt.Sprintf("%q must be lower-case letters, digits and '-', starting and ending with a letter or digit (a DNS-1123 label)", m.Name))
	}
	if m.Version == "" {
		errs.add("metadata.version", "required; a semantic version such as v1.0.0")
	} else if _, err := ParseVersion(m.Version); err != nil {
		errs.add("metadata.version", err.Error())
	}
}

// validateParameters checks a list of inputs or outputs. Outputs carry only name, type and
// description: an action reports what it produced, there is nothing to default or constrain.
func validateParameters(params []Parameter, path string, inputs bool, errs *fieldErrors) {
	firstUse := map[string]int{}
	for i := range params {
		p := &params[i]
		at := indexPath(path, i)
		validateParameterName(p.Name, at+".name", errs)
		if first, dup := firstUse[p.Name]; dup && p.Name != "" {
			errs.add(at+".name", fmt.Sprintf("duplicate name %q, already declared at %s", p.Name, indexPath(path, first)))
		} else {
			firstUse[p.Name] = i
		}
		if !validateType(p.Type, at+".type", errs) {
			continue // every constraint depends on the type
		}
		if inputs {
			validateConstraints(p, at, errs)
		} else {
			refuseOutputConstraints(p, at, errs)
		}
	}
}

func validateParameterName(name, path string, errs *fieldErrors) {
	switch {
	case name == "":
		errs.add(path, "required")
	case len(name) > maxParameterLength:
		errs.add(path, fmt.Sprintf("must be at most %d characters, got %d", maxParameterLength, len(name)))
	case !identifier.MatchString(name):
		errs.add(path, fmt.Sprintf("%q must be an identifier: letters, digits and '_', not starting with a digit", name))
	}
}

// validateType reports whether t is one of the six value types.
func validateType(t Type, path string, errs *fieldErrors) bool {
	switch t {
	case TypeString, TypeInteger, TypeNumber, TypeBoolean, TypeObject, TypeArray:
		return true
	case "":
		errs.add(path, "required; one of string, integer, number, boolean, object, array")
	default:
		errs.add(path, fmt.Sprintf("%q is not a type; use one of string, integer, number, boolean, object, array", t))
	}
	return false
}

func validateConstraints(p *Parameter, at string, errs *fieldErrors) {
	if p.Pattern != "" {
		if p.Type != TypeString {
			errs.add(at+".pattern", fmt.Sprintf("applies to string inputs only, this input is %s", p.Type))
		} else if _, err := regexp.Compile(p.Pattern); err != nil {
			errs.add(at+".pattern", fmt.Sprintf("is not a valid Go (RE2) regular expression: %v", err))
		}
	}
	validateBounds(p, at, errs)
	validateEnum(p, at, errs)
	if p.Default != nil {
		for _, reason := range newValueChecker(p).problems(p.Default, true) {
			errs.add(at+".default", reason+yamlQuoteHint(p, p.Default))
		}
	}
}

func validateBounds(p *Parameter, at string, errs *fieldErrors) {
	numeric := p.Type == TypeInteger || p.Type == TypeNumber
	if !numeric {
		if p.Minimum != nil {
			errs.add(at+".minimum", fmt.Sprintf("applies to integer and number inputs only, this input is %s", p.Type))
		}
		if p.Maximum != nil {
			errs.add(at+".maximum", fmt.Sprintf("applies to integer and number inputs only, this input is %s", p.Type))
		}
		return
	}
	if p.Minimum != nil && p.Maximum != nil && *p.Minimum > *p.Maximum {
		errs.add(at+".minimum", fmt.Sprintf("%s is greater than maximum %s; no value could be accepted",
			formatFloat(*p.Minimum), formatFloat(*p.Maximum)))
	}
}

// validateEnum checks that every enum value could actually be accepted: an enum value that
// fails the input's own type, pattern or bounds is a contract bug, not a caller's.
func validateEnum(p *Parameter, at string, errs *fieldErrors) {
	if p.Enum == nil {
		return
	}
	if p.Type == TypeObject || p.Type == TypeArray {
		errs.add(at+".enum", fmt.Sprintf("applies to string, integer, number and boolean inputs only, this input is %s", p.Type))
		return
	}
	if len(p.Enum) == 0 {
		errs.add(at+".enum", "must list at least one value; an empty enum accepts nothing")
		return
	}
	firstIndex := make(map[string]int, len(p.Enum))
	vc := newValueChecker(p)
	for i, v := range p.Enum {
		for _, reason := range vc.problems(v, false) {
			errs.add(indexPath(at+".enum", i), reason+yamlQuoteHint(p, v))
		}
		key := valueKey(v)
		if j, dup := firstIndex[key]; dup {
			errs.add(indexPath(at+".enum", i), fmt.Sprintf("duplicate of enum[%d]", j))
		} else {
			firstIndex[key] = i
		}
	}
}

// yamlQuoteHint explains the usual cause of a non-string value for a string input: YAML reads
// unquoted yes, no, on, off, true and numbers as booleans and numbers.
func yamlQuoteHint(p *Parameter, v any) string {
	if _, isBool := v.(bool); p.Type == TypeString && (isBool || isNumber(v)) {
		return "; quote the value to keep it a string (YAML reads unquoted yes, no, on, off and numbers as other types)"
	}
	return ""
}

func refuseOutputConstraints(p *Parameter, at string, errs *fieldErrors) {
	set := map[string]bool{
		"required": p.Required, "default": p.Default != nil, "enum": p.Enum != nil,
		"pattern": p.Pattern != "", "minimum": p.Minimum != nil, "maximum": p.Maximum != nil,
	}
	for _, field := range []string{"required", "default", "enum", "pattern", "minimum", "maximum"} {
		if set[field] {
			errs.add(at+"."+field, "applies to inputs only; outputs take name, type and description")
		}
	}
}

func validateSecurityContext(sc *SecurityContext, errs *fieldErrors) {
	if sc == nil {
		return
	}
	if sc.RunAsUser != nil && *sc.RunAsUser < 0 {
		errs.add("spec.securityContext.runAsUser", fmt.Sprintf("must not be negative, got %d", *sc.RunAsUser))
	}
	if sc.RunAsGroup != nil && *sc.RunAsGroup < 0 {
		errs.add("spec.securityContext.runAsGroup", fmt.Sprintf("must not be negative, got %d", *sc.RunAsGroup))
	}
	if sc.SeccompProfile != nil {
		switch sc.SeccompProfile.Type {
		case "RuntimeDefault", "Localhost", "Unconfined":
		default:
			errs.add("spec.securityContext.seccompProfile.type",
				fmt.Sprintf("%q is not a seccomp profile type; use RuntimeDefault or Localhost", sc.SeccompProfile.Type))
		}
	}
	if sc.Capabilities != nil {
		for i, c := range sc.Capabilities.Add {
			if c == "" {
				errs.add(indexPath("spec.securityContext.capabilities.add", i), "must not be empty")
			}
		}
		for i, c := range sc.Capabilities.Drop {
			if c == "" {
				errs.add(indexPath("spec.securityContext.capabilities.drop", i), "must not be empty")
			}
		}
	}
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
