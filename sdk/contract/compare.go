package contract

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// ChangeKind classifies a difference between two versions of a contract.
type ChangeKind string

// The kinds of change Compare reports. Whether a change is breaking is decided per change (see
// Change.Breaking): removing an enum is widening, adding one is narrowing, yet both are enum
// changes.
const (
	ChangeNameChanged            ChangeKind = "NameChanged"
	ChangeDescriptionChanged     ChangeKind = "DescriptionChanged"
	ChangeInputAdded             ChangeKind = "InputAdded"
	ChangeInputRemoved           ChangeKind = "InputRemoved"
	ChangeInputRequired          ChangeKind = "InputRequired"
	ChangeInputOptional          ChangeKind = "InputOptional"
	ChangeOutputAdded            ChangeKind = "OutputAdded"
	ChangeOutputRemoved          ChangeKind = "OutputRemoved"
	ChangeTypeChanged            ChangeKind = "TypeChanged"
	ChangeDefaultChanged         ChangeKind = "DefaultChanged"
	ChangeEnumNarrowed           ChangeKind = "EnumNarrowed"
	ChangeEnumWidened            ChangeKind = "EnumWidened"
	ChangePatternTightened       ChangeKind = "PatternTightened"
	ChangePatternRemoved         ChangeKind = "PatternRemoved"
	ChangeBoundTightened         ChangeKind = "BoundTightened"
	ChangeBoundLoosened          ChangeKind = "BoundLoosened"
	ChangeResourcesChanged       ChangeKind = "ResourcesChanged"
	ChangePermissionsChanged     ChangeKind = "PermissionsChanged"
	ChangeSecurityContextChanged ChangeKind = "SecurityContextChanged"
	ChangeSchedulingChanged      ChangeKind = "SchedulingChanged"
	ChangeCredentialAdded        ChangeKind = "CredentialAdded"
	ChangeCredentialRemoved      ChangeKind = "CredentialRemoved"
	ChangeCredentialRequired     ChangeKind = "CredentialRequired"
	ChangeCredentialOptional     ChangeKind = "CredentialOptional"
	ChangeMajorVersionNotBumped  ChangeKind = "MajorVersionNotBumped"
	ChangeVersionNotIncreased    ChangeKind = "VersionNotIncreased"
)

// Change is one difference between two versions of a contract.
type Change struct {
	Kind ChangeKind
	// Path locates the change; list entries are named by key, as in
	// "spec.inputs[name=replicas].type", because indices shift between versions.
	Path    string
	Message string
	// Breaking means workflows written against the old version may fail against the new one
	// (or, for MajorVersionNotBumped, that the version hides such a change).
	Breaking bool
}

// String formats the change as one line of a report.
func (c Change) String() string {
	tag := "non-breaking"
	if c.Breaking {
		tag = "BREAKING"
	}
	return fmt.Sprintf("%s %s %s: %s", tag, c.Kind, c.Path, c.Message)
}

type changes []Change

func (l *changes) add(kind ChangeKind, breaking bool, path, format string, args ...any) {
	*l = append(*l, Change{Kind: kind, Path: path, Message: fmt.Sprintf(format, args...), Breaking: breaking})
}

// Compare lists what changed from oldC to newC, for callers of the action: inputs, outputs and
// credentials (breaking or not), then resources, permissions, security context and scheduling
// (never breaking for callers, but worth a reviewer's eye). When a breaking change comes without a new major
// version, a MajorVersionNotBumped change says so; when anything changed but the version did
// not increase, a VersionNotIncreased change says so. Both contracts are expected to have
// passed Validate; for invalid ones the result is best effort.
func Compare(oldC, newC *ActionContract) []Change {
	var l changes
	if oldC.Metadata.Name != newC.Metadata.Name {
		l.add(ChangeNameChanged, true, "metadata.name", "renamed from %q to %q; this is a different action", oldC.Metadata.Name, newC.Metadata.Name)
	}
	if oldC.Spec.Description != newC.Spec.Description {
		l.add(ChangeDescriptionChanged, false, "spec.description", "description changed")
	}
	compareInputs(oldC.Spec.Inputs, newC.Spec.Inputs, &l)
	compareOutputs(oldC.Spec.Outputs, newC.Spec.Outputs, &l)
	compareCredentials(oldC.Spec.Credentials, newC.Spec.Credentials, &l)
	compareResources(oldC.Spec.Resources, newC.Spec.Resources, &l)
	comparePermissions(oldC.Spec.RBAC.Permissions, newC.Spec.RBAC.Permissions, &l)
	if !reflect.DeepEqual(oldC.Spec.SecurityContext, newC.Spec.SecurityContext) {
		l.add(ChangeSecurityContextChanged, false, "spec.securityContext", "security context changed")
	}
	if oldC.TolerateCordonedNodes() != newC.TolerateCordonedNodes() {
		l.add(ChangeSchedulingChanged, false, "spec.scheduling.tolerateCordonedNodes", "changed from %t to %t",
			oldC.TolerateCordonedNodes(), newC.TolerateCordonedNodes())
	}
	compareVersions(oldC, newC, &l)
	return l
}

// RequiresMajorBump reports whether changes include a breaking change, which under semantic
// versioning needs a new major version.
func RequiresMajorBump(changes []Change) bool {
	return slices.ContainsFunc(changes, func(c Change) bool { return c.Breaking })
}

// MajorBumped reports whether newC's version is a new major version relative to oldC's. While
// the major version is 0 a new minor version counts, since semver leaves 0.x unstable and
// tools such as Cargo treat 0.1 → 0.2 as incompatible. Unparsable versions never count.
func MajorBumped(oldC, newC *ActionContract) bool {
	ov, errOld := ParseVersion(oldC.Metadata.Version)
	nv, errNew := ParseVersion(newC.Metadata.Version)
	if errOld != nil || errNew != nil {
		return false
	}
	if ov.Major == 0 && nv.Major == 0 {
		return nv.Minor > ov.Minor
	}
	return nv.Major > ov.Major
}

func compareVersions(oldC, newC *ActionContract, l *changes) {
	if len(*l) == 0 {
		return
	}
	ov, errOld := ParseVersion(oldC.Metadata.Version)
	nv, errNew := ParseVersion(newC.Metadata.Version)
	if errOld != nil || errNew != nil {
		return // Validate reports unparsable versions
	}
	if RequiresMajorBump(*l) && !MajorBumped(oldC, newC) {
		l.add(ChangeMajorVersionNotBumped, true, "metadata.version",
			"breaking changes need a new major version, but %s → %s does not change it", ov, nv)
		return
	}
	if nv.Compare(ov) <= 0 {
		l.add(ChangeVersionNotIncreased, false, "metadata.version",
			"the contract changed but the version did not increase (%s → %s); it is coupled to the image version", ov, nv)
	}
}

func namedPath(list, name string) string { return fmt.Sprintf("%s[name=%s]", list, name) }

// effectivelyRequired: a required input with a default is filled in when absent, so callers
// need not pass it.
func effectivelyRequired(p *Parameter) bool { return p.Required && p.Default == nil }

func compareInputs(oldIn, newIn []Parameter, l *changes) {
	for i := range oldIn {
		o := &oldIn[i]
		at := namedPath("spec.inputs", o.Name)
		n := findParameter(newIn, o.Name)
		if n == nil {
			l.add(ChangeInputRemoved, true, at, "input %q was removed; workflows that pass it now fail", o.Name)
			continue
		}
		compareInput(o, n, at, l)
	}
	for i := range newIn {
		n := &newIn[i]
		if findParameter(oldIn, n.Name) != nil {
			continue
		}
		at := namedPath("spec.inputs", n.Name)
		if effectivelyRequired(n) {
			l.add(ChangeInputAdded, true, at, "new required input %q has no default; existing workflows do not pass it", n.Name)
		} else {
			l.add(ChangeInputAdded, false, at, "new optional input %q", n.Name)
		}
	}
}

func compareInput(o, n *Parameter, at string, l *changes) {
	if o.Type != n.Type {
		l.add(ChangeTypeChanged, true, at+".type", "type changed from %s to %s", o.Type, n.Type)
		return // the constraints of different types do not compare
	}
	switch oldReq, newReq := effectivelyRequired(o), effectivelyRequired(n); {
	case !oldReq && newReq:
		l.add(ChangeInputRequired, true, at+".required", "input %q is now required and has no default", n.Name)
	case oldReq && !newReq:
		l.add(ChangeInputOptional, false, at+".required", "input %q is now optional", n.Name)
	}
	if !valuesEqual(o.Default, n.Default) {
		l.add(ChangeDefaultChanged, false, at+".default", "default changed from %s to %s; workflows relying on it behave differently",
			formatValue(o.Default), formatValue(n.Default))
	}
	compareEnums(o.Enum, n.Enum, at+".enum", l)
	switch {
	case n.Pattern != "" && n.Pattern != o.Pattern:
		l.add(ChangePatternTightened, true, at+".pattern", "pattern changed from %q to %q; values accepted before may now fail", o.Pattern, n.Pattern)
	case o.Pattern != "" && n.Pattern == "":
		l.add(ChangePatternRemoved, false, at+".pattern", "pattern %q removed", o.Pattern)
	}
	compareBound(o.Minimum, n.Minimum, at+".minimum", func(oldB, newB float64) bool { return newB > oldB }, l)
	compareBound(o.Maximum, n.Maximum, at+".maximum", func(oldB, newB float64) bool { return newB < oldB }, l)
	if o.Description != n.Description {
		l.add(ChangeDescriptionChanged, false, at+".description", "description changed")
	}
}

func compareEnums(oldEnum, newEnum []any, at string, l *changes) {
	switch {
	case oldEnum == nil && newEnum == nil:
		return
	case oldEnum == nil:
		l.add(ChangeEnumNarrowed, true, at, "enum added; only %s are accepted now", formatValues(newEnum))
		return
	case newEnum == nil:
		l.add(ChangeEnumWidened, false, at, "enum removed; any value of the type is accepted now")
		return
	}
	removed, added := enumMinus(oldEnum, newEnum), enumMinus(newEnum, oldEnum)
	if len(removed) > 0 {
		l.add(ChangeEnumNarrowed, true, at, "values %s are no longer accepted", formatValues(removed))
	}
	if len(added) > 0 {
		l.add(ChangeEnumWidened, false, at, "values %s are accepted now", formatValues(added))
	}
}

// enumMinus lists the values of a that are not in b.
func enumMinus(a, b []any) []any {
	inB := make(map[string]bool, len(b))
	for _, v := range b {
		inB[valueKey(v)] = true
	}
	var out []any
	for _, v := range a {
		if !inB[valueKey(v)] {
			out = append(out, v)
		}
	}
	return out
}

// compareBound compares a minimum or maximum; tighter(old, new) says whether new is stricter.
func compareBound(oldB, newB *float64, at string, tighter func(oldB, newB float64) bool, l *changes) {
	switch {
	case oldB == nil && newB == nil:
	case oldB == nil:
		l.add(ChangeBoundTightened, true, at, "bound %s added; values beyond it are no longer accepted", formatFloat(*newB))
	case newB == nil:
		l.add(ChangeBoundLoosened, false, at, "bound %s removed", formatFloat(*oldB))
	case tighter(*oldB, *newB):
		l.add(ChangeBoundTightened, true, at, "tightened from %s to %s", formatFloat(*oldB), formatFloat(*newB))
	case *oldB != *newB:
		l.add(ChangeBoundLoosened, false, at, "loosened from %s to %s", formatFloat(*oldB), formatFloat(*newB))
	}
}

func compareOutputs(oldOut, newOut []Parameter, l *changes) {
	for i := range oldOut {
		o := &oldOut[i]
		at := namedPath("spec.outputs", o.Name)
		n := findParameter(newOut, o.Name)
		switch {
		case n == nil:
			l.add(ChangeOutputRemoved, true, at, "output %q was removed; steps that reference it now fail", o.Name)
		case n.Type != o.Type:
			l.add(ChangeTypeChanged, true, at+".type", "type changed from %s to %s", o.Type, n.Type)
		case n.Description != o.Description:
			l.add(ChangeDescriptionChanged, false, at+".description", "description changed")
		}
	}
	for i := range newOut {
		if findParameter(oldOut, newOut[i].Name) == nil {
			l.add(ChangeOutputAdded, false, namedPath("spec.outputs", newOut[i].Name), "new output %q", newOut[i].Name)
		}
	}
}

func compareResources(oldR, newR Resources, l *changes) {
	for _, list := range []struct {
		path       string
		oldL, newL map[string]string
	}{{"spec.resources.requests", oldR.Requests, newR.Requests}, {"spec.resources.limits", oldR.Limits, newR.Limits}} {
		for _, key := range resourceKeys {
			o, n := list.oldL[key], list.newL[key]
			if o != n {
				l.add(ChangeResourcesChanged, false, list.path+"."+key, "changed from %s to %s", orNone(o), orNone(n))
			}
		}
	}
}

func comparePermissions(oldP, newP []Permission, l *changes) {
	oldRules, newRules := permissionStrings(oldP), permissionStrings(newP)
	for _, r := range newRules {
		if !slices.Contains(oldRules, r) {
			l.add(ChangePermissionsChanged, false, "spec.rbac.permissions", "grants more: %s", r)
		}
	}
	for _, r := range oldRules {
		if !slices.Contains(newRules, r) {
			l.add(ChangePermissionsChanged, false, "spec.rbac.permissions", "no longer grants: %s", r)
		}
	}
}

// permissionStrings renders each rule in a canonical one-line form, so that reordering the
// lists inside a rule is not reported as a change.
func permissionStrings(perms []Permission) []string {
	out := make([]string, len(perms))
	for i, p := range perms {
		parts := []string{string(p.EffectiveScope())}
		for _, list := range [][]string{p.APIGroups, p.Resources, p.Verbs, p.ResourceNames} {
			sorted := slices.Sorted(slices.Values(list))
			for j, s := range sorted {
				sorted[j] = fmt.Sprintf("%q", s)
			}
			parts = append(parts, "["+strings.Join(sorted, ",")+"]")
		}
		out[i] = fmt.Sprintf("%s apiGroups=%s resources=%s verbs=%s resourceNames=%s", parts[0], parts[1], parts[2], parts[3], parts[4])
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
