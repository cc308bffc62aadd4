package contract

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// compareCase is one row of compareCases.
type compareCase struct {
	name    string
	version string // new version; a patch release unless the case is about versions
	mutate  func(c *ActionContract)
	want    []Change
}

// compareCases change testdata/scale-deployment.yaml in one way each and list the changes
// Compare must report, in order. Messages are checked for presence only.
var compareCases = []compareCase{
	{"an identical contract has no changes", "v1.4.0-rc.1+build.7", func(*ActionContract) {}, nil},
	{"a removed input is breaking", "v2.0.0", func(c *ActionContract) { c.Spec.Inputs = c.Spec.Inputs[1:] },
		[]Change{{Kind: ChangeInputRemoved, Path: "spec.inputs[name=namespace]", Breaking: true}}},
	{"a removed output is breaking", "v2.0.0", func(c *ActionContract) { c.Spec.Outputs = c.Spec.Outputs[1:] },
		[]Change{{Kind: ChangeOutputRemoved, Path: "spec.outputs[name=previousReplicas]", Breaking: true}}},
	{"a new required input without default is breaking", "v2.0.0", func(c *ActionContract) {
		c.Spec.Inputs = append(c.Spec.Inputs, Parameter{Name: "reason", Type: TypeString, Required: true})
	}, []Change{{Kind: ChangeInputAdded, Path: "spec.inputs[name=reason]", Breaking: true}}},
	{"a new required input with a default is not breaking", "v1.4.0", func(c *ActionContract) {
		c.Spec.Inputs = append(c.Spec.Inputs, Parameter{Name: "reason", Type: TypeString, Required: true, Default: "auto"})
	}, []Change{{Kind: ChangeInputAdded, Path: "spec.inputs[name=reason]"}}},
	{"a new optional input is not breaking", "v1.4.0", func(c *ActionContract) {
		c.Spec.Inputs = append(c.Spec.Inputs, Parameter{Name: "reason", Type: TypeString})
	}, []Change{{Kind: ChangeInputAdded, Path: "spec.inputs[name=reason]"}}},
	{"a new output is not breaking", "v1.4.0", func(c *ActionContract) {
		c.Spec.Outputs = append(c.Spec.Outputs, Parameter{Name: "elapsed", Type: TypeNumber})
	}, []Change{{Kind: ChangeOutputAdded, Path: "spec.outputs[name=elapsed]"}}},
	{"an input type change is breaking", "v2.0.0", func(c *ActionContract) {
		c.Spec.Inputs[2].Type, c.Spec.Inputs[2].Minimum, c.Spec.Inputs[2].Maximum = TypeString, nil, nil
	}, []Change{{Kind: ChangeTypeChanged, Path: "spec.inputs[name=replicas].type", Breaking: true}}},
	{"an output type change is breaking", "v2.0.0", func(c *ActionContract) { c.Spec.Outputs[1].Type = TypeString },
		[]Change{{Kind: ChangeTypeChanged, Path: "spec.outputs[name=scaled].type", Breaking: true}}},
	{"an enum value removed is breaking", "v2.0.0", func(c *ActionContract) { c.Spec.Inputs[3].Enum = []any{"gradual"} },
		[]Change{{Kind: ChangeEnumNarrowed, Path: "spec.inputs[name=strategy].enum", Breaking: true}}},
	{"an enum where there was none is breaking", "v2.0.0", func(c *ActionContract) { c.Spec.Inputs[1].Enum = []any{"web"} },
		[]Change{{Kind: ChangeEnumNarrowed, Path: "spec.inputs[name=deployment].enum", Breaking: true}}},
	{"an enum value added is not breaking", "v1.4.0", func(c *ActionContract) { c.Spec.Inputs[3].Enum = append(c.Spec.Inputs[3].Enum, "canary") },
		[]Change{{Kind: ChangeEnumWidened, Path: "spec.inputs[name=strategy].enum"}}},
	{"an enum removed entirely is not breaking", "v1.4.0", func(c *ActionContract) { c.Spec.Inputs[3].Enum = nil },
		[]Change{{Kind: ChangeEnumWidened, Path: "spec.inputs[name=strategy].enum"}}},
	{"an optional input made required is breaking", "v2.0.0", func(c *ActionContract) {
		c.Spec.Inputs[3].Required, c.Spec.Inputs[3].Default = true, nil
	}, []Change{
		{Kind: ChangeInputRequired, Path: "spec.inputs[name=strategy].required", Breaking: true},
		{Kind: ChangeDefaultChanged, Path: "spec.inputs[name=strategy].default"}}},
	{"a required input made optional is not breaking", "v1.4.0", func(c *ActionContract) { c.Spec.Inputs[1].Required = false },
		[]Change{{Kind: ChangeInputOptional, Path: "spec.inputs[name=deployment].required"}}},
	{"a raised minimum is breaking", "v2.0.0", func(c *ActionContract) { c.Spec.Inputs[2].Minimum = ptr(1.0) },
		[]Change{{Kind: ChangeBoundTightened, Path: "spec.inputs[name=replicas].minimum", Breaking: true}}},
	{"a lowered maximum is breaking", "v2.0.0", func(c *ActionContract) { c.Spec.Inputs[2].Maximum = ptr(10.0) },
		[]Change{{Kind: ChangeBoundTightened, Path: "spec.inputs[name=replicas].maximum", Breaking: true}}},
	{"a new maximum is breaking", "v2.0.0", func(c *ActionContract) { c.Spec.Inputs[4].Maximum = ptr(60.0) },
		[]Change{{Kind: ChangeBoundTightened, Path: "spec.inputs[name=timeoutSeconds].maximum", Breaking: true}}},
	{"a raised maximum and a removed minimum are not breaking", "v1.4.0", func(c *ActionContract) {
		c.Spec.Inputs[2].Minimum, c.Spec.Inputs[2].Maximum = nil, ptr(100.0)
	}, []Change{
		{Kind: ChangeBoundLoosened, Path: "spec.inputs[name=replicas].minimum"},
		{Kind: ChangeBoundLoosened, Path: "spec.inputs[name=replicas].maximum"}}},
	{"a changed pattern is breaking", "v2.0.0", func(c *ActionContract) { c.Spec.Inputs[0].Pattern = "^[a-z]+$" },
		[]Change{{Kind: ChangePatternTightened, Path: "spec.inputs[name=namespace].pattern", Breaking: true}}},
	{"a new pattern is breaking", "v2.0.0", func(c *ActionContract) { c.Spec.Inputs[1].Pattern = "^web" },
		[]Change{{Kind: ChangePatternTightened, Path: "spec.inputs[name=deployment].pattern", Breaking: true}}},
	{"a removed pattern is not breaking", "v1.4.0", func(c *ActionContract) { c.Spec.Inputs[0].Pattern = "" },
		[]Change{{Kind: ChangePatternRemoved, Path: "spec.inputs[name=namespace].pattern"}}},
	{"a numerically equal default is no change", "v1.4.0-rc.1", func(c *ActionContract) { c.Spec.Inputs[4].Default = json.Number("30.50") }, nil},
	{"descriptions, resources, permissions and security are not breaking", "v1.4.0", func(c *ActionContract) {
		c.Spec.Description = "new"
		c.Spec.Inputs[0].Description = "new"
		c.Spec.Resources.Limits["cpu"] = "2"
		c.Spec.RBAC.Permissions = c.Spec.RBAC.Permissions[1:]
		c.Spec.SecurityContext.RunAsUser = ptr(int64(1001))
	}, []Change{
		{Kind: ChangeDescriptionChanged, Path: "spec.description"},
		{Kind: ChangeDescriptionChanged, Path: "spec.inputs[name=namespace].description"},
		{Kind: ChangeResourcesChanged, Path: "spec.resources.limits.cpu"},
		{Kind: ChangePermissionsChanged, Path: "spec.rbac.permissions"},
		{Kind: ChangeSecurityContextChanged, Path: "spec.securityContext"}}},
	{"running on cordoned nodes is not breaking", "v1.4.0", func(c *ActionContract) {
		c.Spec.Scheduling = &Scheduling{TolerateCordonedNodes: true}
	}, []Change{{Kind: ChangeSchedulingChanged, Path: "spec.scheduling.tolerateCordonedNodes"}}},
	{"reordered permission lists are no change", "v1.4.0-rc.1", func(c *ActionContract) {
		c.Spec.RBAC.Permissions[0].Verbs = []string{"update", "patch", "get"}
	}, nil},
	{"a breaking change in a minor release is flagged", "v1.5.0", func(c *ActionContract) { c.Spec.Outputs = nil },
		[]Change{
			{Kind: ChangeOutputRemoved, Path: "spec.outputs[name=previousReplicas]", Breaking: true},
			{Kind: ChangeOutputRemoved, Path: "spec.outputs[name=scaled]", Breaking: true},
			{Kind: ChangeOutputRemoved, Path: "spec.outputs[name=details]", Breaking: true},
			{Kind: ChangeMajorVersionNotBumped, Path: "metadata.version", Breaking: true}}},
	{"a change without a version increase is flagged", "v1.3.9", func(c *ActionContract) { c.Spec.Description = "new" },
		[]Change{
			{Kind: ChangeDescriptionChanged, Path: "spec.description"},
			{Kind: ChangeVersionNotIncreased, Path: "metadata.version"}}},
	{"a renamed contract is a different action", "v2.0.0", func(c *ActionContract) { c.Metadata.Name = "scale-statefulset" },
		[]Change{{Kind: ChangeNameChanged, Path: "metadata.name", Breaking: true}}},
}

func TestCompareClassifiesEveryKindOfChange(t *testing.T) {
	base := mustParse(t, readFixture(t, "scale-deployment.yaml"))
	ignoreMessage := cmpopts.IgnoreFields(Change{}, "Message")
	for _, tt := range compareCases {
		t.Run(tt.name, func(t *testing.T) {
			newC := cloneContract(t, base)
			newC.Metadata.Version = tt.version
			tt.mutate(newC)
			got := Compare(base, newC)
			if diff := cmp.Diff(tt.want, got, ignoreMessage, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("changes differ (-want +got):\n%s", diff)
			}
			for _, c := range got {
				if c.Message == "" {
					t.Errorf("change %s at %s has no message", c.Kind, c.Path)
				}
			}
		})
	}
}

func TestMajorBumpedFollowsSemverRules(t *testing.T) {
	tests := []struct {
		name     string
		from, to string
		want     bool
	}{
		{"a new major version is a major bump", "v1.9.9", "v2.0.0", true},
		{"a new minor version is not", "1.2.0", "1.3.0", false},
		{"the same major with a prerelease is not", "v1.0.0", "v1.1.0-rc.1", false},
		{"a prerelease of the next major is", "v1.3.0", "v2.0.0-rc.1", true},
		{"a new minor version counts while the major is 0", "0.3.1", "0.4.0", true},
		{"a new patch version does not count while the major is 0", "0.3.1", "0.3.2", false},
		{"leaving 0.x is a major bump", "0.9.0", "1.0.0", true},
		{"an unparsable version never counts", "latest", "v2.0.0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MajorBumped(&ActionContract{Metadata: Metadata{Version: tt.from}}, &ActionContract{Metadata: Metadata{Version: tt.to}})
			if got != tt.want {
				t.Errorf("MajorBumped(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

func TestRequiresMajorBumpOnlyForBreakingChanges(t *testing.T) {
	if RequiresMajorBump([]Change{{Kind: ChangeInputAdded}, {Kind: ChangeDescriptionChanged}}) {
		t.Error("non-breaking changes should not require a major bump")
	}
	if !RequiresMajorBump([]Change{{Kind: ChangeInputAdded}, {Kind: ChangeInputRemoved, Breaking: true}}) {
		t.Error("a breaking change should require a major bump")
	}
}

func TestVersionCompareOrdersBySemverPrecedence(t *testing.T) {
	// The ordering example of semver.org 2.0.0, item 11, plus a "v" prefix and build metadata.
	ordered := []string{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
		"1.0.0-beta.11", "1.0.0-rc.1", "v1.0.0", "1.0.1", "1.1.0", "v2.0.0+build.1"}
	for i := range ordered {
		for j := range ordered {
			a, errA := ParseVersion(ordered[i])
			b, errB := ParseVersion(ordered[j])
			if errA != nil || errB != nil {
				t.Fatalf("ParseVersion: %v, %v", errA, errB)
			}
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := a.Compare(b); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
}

func TestParseVersionKeepsEveryPart(t *testing.T) {
	got, err := ParseVersion("v1.2.3-rc.1+sha.abc")
	if err != nil {
		t.Fatalf("ParseVersion: %v", err)
	}
	want := Version{Major: 1, Minor: 2, Patch: 3, Prerelease: []string{"rc", "1"}, Build: "sha.abc"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got.String() != "1.2.3-rc.1+sha.abc" {
		t.Errorf("String() = %q", got.String())
	}
}
