package contract

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// validContract is a small contract that passes Validate; cases change one thing each.
func validContract() *ActionContract {
	return &ActionContract{
		APIVersion: APIVersion,
		Kind:       Kind,
		Metadata:   Metadata{Name: "scale", Version: "v1.0.0"},
		Spec: Spec{
			Inputs: []Parameter{
				{Name: "name", Type: TypeString, Required: true},
				{Name: "replicas", Type: TypeInteger, Minimum: ptr(0.0), Maximum: ptr(10.0)},
			},
			Outputs:   []Parameter{{Name: "done", Type: TypeBoolean}},
			Resources: Resources{Limits: map[string]string{"cpu": "1", "memory": "64Mi"}},
			RBAC: RBAC{Permissions: []Permission{
				{APIGroups: []string{"apps"}, Resources: []string{"deployments/scale"}, Verbs: []string{"patch"}},
			}},
		},
	}
}

func TestValidateAcceptsWhatAnAuthorMayWrite(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *ActionContract)
	}{
		{"the base contract is valid", func(*ActionContract) {}},
		{"a version without the v prefix is valid", func(c *ActionContract) { c.Metadata.Version = "2.10.3" }},
		{"a prerelease with build metadata is valid", func(c *ActionContract) { c.Metadata.Version = "v1.0.0-alpha.1+sha.5114f85" }},
		{"a required input may have a default", func(c *ActionContract) { c.Spec.Inputs[0].Default = "web" }},
		{"a whole-number float default is an integer", func(c *ActionContract) { c.Spec.Inputs[1].Default = 3.0 }},
		{"an exponent default is an integer when whole", func(c *ActionContract) { c.Spec.Inputs[1].Default = json.Number("1e1") }},
		{"numeric enum values match numerically", func(c *ActionContract) {
			c.Spec.Inputs[1].Enum = []any{json.Number("1"), 2.0}
			c.Spec.Inputs[1].Default = json.Number("2.0")
		}},
		{"the core API group is the empty string", func(c *ActionContract) { c.Spec.RBAC.Permissions[0].APIGroups = []string{""} }},
		{"a cluster-scoped permission is valid", func(c *ActionContract) { c.Spec.RBAC.Permissions[0].Scope = ScopeCluster }},
		{"resourceNames restrict get and patch", func(c *ActionContract) { c.Spec.RBAC.Permissions[0].ResourceNames = []string{"web"} }},
		{"no permissions at all is valid", func(c *ActionContract) { c.Spec.RBAC.Permissions = nil }},
		{"quantities in different notations compare by value", func(c *ActionContract) {
			c.Spec.Resources.Requests = map[string]string{"cpu": "1000m", "memory": "67108864"}
		}},
		{"a loosening security context is valid here; SecurityViolations reports it", func(c *ActionContract) {
			c.Spec.SecurityContext = &SecurityContext{Privileged: ptr(true), HostPID: true}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validContract()
			tt.mutate(c)
			if err := c.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

// validateCase is one row of invalidContractCases.
type validateCase struct {
	name   string
	mutate func(c *ActionContract)
	want   []wantError
}

// invalidContractCases change validContract in one way each and list the problems expected.
var invalidContractCases = []validateCase{
	{"a missing name and version are both reported", func(c *ActionContract) { c.Metadata = Metadata{} },
		[]wantError{{"metadata.name", "required"}, {"metadata.version", "required"}}},
	{"an upper-case name is refused", func(c *ActionContract) { c.Metadata.Name = "Scale" },
		[]wantError{{"metadata.name", "DNS-1123"}}},
	{"a 64-character name is refused", func(c *ActionContract) { c.Metadata.Name = string(make([]byte, 64)) },
		[]wantError{{"metadata.name", "at most 63"}}},
	{"a two-part version is refused", func(c *ActionContract) { c.Metadata.Version = "v1.2" },
		[]wantError{{"metadata.version", "not a semantic version"}}},
	{"a version with a leading zero is refused", func(c *ActionContract) { c.Metadata.Version = "1.02.0" },
		[]wantError{{"metadata.version", "not a semantic version"}}},
	{"a missing type is refused", func(c *ActionContract) { c.Spec.Inputs[0].Type = "" },
		[]wantError{{"spec.inputs[0].type", "required"}}},
	{"an output name with a dash is refused", func(c *ActionContract) { c.Spec.Outputs[0].Name = "is-done" },
		[]wantError{{"spec.outputs[0].name", "identifier"}}},
	{"duplicate output names are refused", func(c *ActionContract) { c.Spec.Outputs = append(c.Spec.Outputs, c.Spec.Outputs[0]) },
		[]wantError{{"spec.outputs[1].name", "already declared at spec.outputs[0]"}}},
	{"an output with a default is refused", func(c *ActionContract) { c.Spec.Outputs[0].Default = true },
		[]wantError{{"spec.outputs[0].default", "inputs only"}}},
	{"a pattern on an integer is refused", func(c *ActionContract) { c.Spec.Inputs[1].Pattern = "^[0-9]+$" },
		[]wantError{{"spec.inputs[1].pattern", "string inputs only"}}},
	{"a maximum on a string is refused", func(c *ActionContract) { c.Spec.Inputs[0].Maximum = ptr(3.0) },
		[]wantError{{"spec.inputs[0].maximum", "integer and number inputs only"}}},
	{"an enum on an object is refused", func(c *ActionContract) {
		c.Spec.Inputs[0].Type = TypeObject
		c.Spec.Inputs[0].Enum = []any{map[string]any{}}
	}, []wantError{{"spec.inputs[0].enum", "string, integer, number and boolean inputs only"}}},
	{"an empty enum is refused", func(c *ActionContract) { c.Spec.Inputs[0].Enum = []any{} },
		[]wantError{{"spec.inputs[0].enum", "at least one value"}}},
	{"an enum value outside the bounds is refused", func(c *ActionContract) { c.Spec.Inputs[1].Enum = []any{json.Number("5"), json.Number("11")} },
		[]wantError{{"spec.inputs[1].enum[1]", "at most 10"}}},
	{"an enum value failing the pattern is refused", func(c *ActionContract) {
		c.Spec.Inputs[0].Pattern = "^[a-z]+$"
		c.Spec.Inputs[0].Enum = []any{"ok", "NO"}
	}, []wantError{{"spec.inputs[0].enum[1]", "does not match the pattern"}}},
	{"numerically equal enum values are duplicates", func(c *ActionContract) { c.Spec.Inputs[1].Enum = []any{json.Number("1"), json.Number("1.0")} },
		[]wantError{{"spec.inputs[1].enum[1]", "duplicate of enum[0]"}}},
	{"a default outside the enum is refused", func(c *ActionContract) {
		c.Spec.Inputs[0].Enum = []any{"a", "b"}
		c.Spec.Inputs[0].Default = "c"
	}, []wantError{{"spec.inputs[0].default", `must be one of ["a", "b"], got "c"`}}},
	{"a default below the minimum is refused", func(c *ActionContract) { c.Spec.Inputs[1].Default = json.Number("-1") },
		[]wantError{{"spec.inputs[1].default", "at least 0"}}},
	{"a default of the wrong type is refused", func(c *ActionContract) { c.Spec.Inputs[0].Default = json.Number("3") },
		[]wantError{{"spec.inputs[0].default", "must be a string, got the number 3"}}},
	{"a negative quantity is refused", func(c *ActionContract) { c.Spec.Resources.Limits["cpu"] = "-1" },
		[]wantError{{"spec.resources.limits.cpu", "not a Kubernetes quantity"}}},
	{"a lower-case binary suffix is refused", func(c *ActionContract) { c.Spec.Resources.Limits["memory"] = "64mi" },
		[]wantError{{"spec.resources.limits.memory", "not a Kubernetes quantity"}}},
	{"a giant quantity exponent is refused", func(c *ActionContract) { c.Spec.Resources.Limits["memory"] = "1e999999999" },
		[]wantError{{"spec.resources.limits.memory", "exponent outside ±100"}}},
	{"a request above its limit is refused", func(c *ActionContract) { c.Spec.Resources.Requests = map[string]string{"memory": "0.1Gi"} },
		[]wantError{{"spec.resources.requests.memory", "more than the limit 64Mi"}}},
	{"a wildcard verb is refused", func(c *ActionContract) { c.Spec.RBAC.Permissions[0].Verbs = []string{"*"} },
		[]wantError{{"spec.rbac.permissions[0].verbs[0]", "wildcards are refused"}}},
	{"a wildcard resource is refused", func(c *ActionContract) { c.Spec.RBAC.Permissions[0].Resources = []string{"deployments/*"} },
		[]wantError{{"spec.rbac.permissions[0].resources[0]", "wildcards are refused"}}},
	{"an unknown verb is refused", func(c *ActionContract) { c.Spec.RBAC.Permissions[0].Verbs = []string{"read"} },
		[]wantError{{"spec.rbac.permissions[0].verbs[0]", `"read" is not a verb`}}},
	{"impersonation is refused", func(c *ActionContract) { c.Spec.RBAC.Permissions[0].Verbs = []string{"impersonate"} },
		[]wantError{{"spec.rbac.permissions[0].verbs[0]", "never allowed"}}},
	{"empty rule lists are refused", func(c *ActionContract) { c.Spec.RBAC.Permissions[0] = Permission{} },
		[]wantError{
			{"spec.rbac.permissions[0].apiGroups", "at least one entry"},
			{"spec.rbac.permissions[0].resources", "at least one entry"},
			{"spec.rbac.permissions[0].verbs", "at least one verb"}}},
	{"deletecollection restricted by name is refused", func(c *ActionContract) {
		c.Spec.RBAC.Permissions[0].Verbs = []string{"deletecollection"}
		c.Spec.RBAC.Permissions[0].ResourceNames = []string{"web"}
	}, []wantError{{"spec.rbac.permissions[0].verbs[0]", "cannot be restricted by resourceNames"}}},
	{"an unknown seccomp profile type is refused", func(c *ActionContract) {
		c.Spec.SecurityContext = &SecurityContext{SeccompProfile: &Seccomp{Type: "Default"}}
	}, []wantError{{"spec.securityContext.seccompProfile.type", "not a seccomp profile type"}}},
	{"a hand-built contract of the wrong kind is refused", func(c *ActionContract) { c.Kind = "Pod" },
		[]wantError{{"kind", `must be "ActionContract", got "Pod"`}}},
}

func TestValidateReportsEveryProblemWithItsPath(t *testing.T) {
	for _, tt := range invalidContractCases {
		t.Run(tt.name, func(t *testing.T) {
			c := validContract()
			tt.mutate(c)
			assertFieldErrors(t, c.Validate(), tt.want)
		})
	}
}

func TestParseQuantityReadsEveryNotation(t *testing.T) {
	tests := []struct {
		in   string
		want string // exact value as a fraction
	}{
		{"500m", "1/2"},
		{"2", "2"},
		{".5", "1/2"},
		{"1.", "1"},
		{"128Mi", "134217728"},
		{"1Ki", "1024"},
		{"1k", "1000"},
		{"1.5G", "1500000000"},
		{"100n", "1/10000000"},
		{"3u", "3/1000000"},
		{"2e3", "2000"},
		{"2E-1", "1/5"},
		{"1Ei", "1152921504606846976"},
	}
	for _, tt := range tests {
		t.Run(tt.in+" is "+tt.want, func(t *testing.T) {
			got, err := parseQuantity(tt.in)
			if err != nil {
				t.Fatalf("parseQuantity: %v", err)
			}
			if diff := cmp.Diff(tt.want, got.RatString()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
