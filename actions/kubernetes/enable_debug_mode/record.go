package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// RecordAnnotation is the pod template annotation in which the action records what it changed:
// the container and, per variable it set, the variable as it was before (null when it did not
// exist). It lives on the template, not on the Deployment, so that it travels with the
// template: a rollback to a revision from before debug mode also takes the record away, and
// disable then finds nothing to undo instead of undoing the wrong thing.
const RecordAnnotation = "kubernaut.ai/debug-mode"

// record is the content of RecordAnnotation.
type record struct {
	// Container is the container whose variables were set.
	Container string `json:"container"`
	// Env holds each variable the action set, as it was before debug mode was first enabled;
	// nil when the container did not have it.
	Env map[string]*corev1.EnvVar `json:"env"`
}

// parseRecord reads the annotation of a template; ok is false when there is none.
func parseRecord(annotations map[string]string) (rec record, ok bool, err error) {
	raw, ok := annotations[RecordAnnotation]
	if !ok {
		return record{}, false, nil
	}
	if err := json.Unmarshal([]byte(raw), &rec); err != nil || rec.Container == "" {
		return record{}, true, fmt.Errorf("the pod template annotation %s is not a record this action wrote (%q); "+
			"remove it by hand before enabling or disabling debug mode", RecordAnnotation, raw)
	}
	if rec.Env == nil {
		rec.Env = map[string]*corev1.EnvVar{}
	}
	return rec, true, nil
}

// encode renders the record for the annotation.
func (r record) encode() string {
	data, _ := json.Marshal(r) // strings and EnvVars only: cannot fail
	return string(data)
}

// enableEnv returns env with each variable of set given its value, in place when it exists
// (a reference such as a secretKeyRef is replaced by the literal value) and appended in name
// order when it does not. rec, which may be a record of an earlier enable, gets the previous
// state of each variable it does not hold yet: a second enable keeps the values from before
// the first, so disable always returns to the state before debug mode.
func enableEnv(env []corev1.EnvVar, set map[string]string, rec record) ([]corev1.EnvVar, record, error) {
	out := slices.Clone(env)
	rec.Env = maps.Clone(rec.Env)
	if rec.Env == nil {
		rec.Env = map[string]*corev1.EnvVar{}
	}
	for _, name := range slices.Sorted(maps.Keys(set)) {
		i, err := indexOf(out, name, rec.Container)
		if err != nil {
			return nil, record{}, err
		}
		if _, recorded := rec.Env[name]; !recorded {
			rec.Env[name] = nil
			if i >= 0 {
				rec.Env[name] = out[i].DeepCopy()
			}
		}
		if i >= 0 {
			out[i] = corev1.EnvVar{Name: name, Value: set[name]}
		} else {
			out = append(out, corev1.EnvVar{Name: name, Value: set[name]})
		}
	}
	return out, rec, nil
}

// disableEnv returns env with every variable of rec as it was before: removed when it did not
// exist, restored in place when it did (appended when someone removed it meanwhile).
func disableEnv(env []corev1.EnvVar, rec record) ([]corev1.EnvVar, error) {
	out := slices.Clone(env)
	for _, name := range slices.Sorted(maps.Keys(rec.Env)) {
		i, err := indexOf(out, name, rec.Container)
		if err != nil {
			return nil, err
		}
		previous := rec.Env[name]
		switch {
		case previous == nil && i >= 0:
			out = slices.Delete(out, i, i+1)
		case previous != nil && i >= 0:
			out[i] = *previous.DeepCopy()
		case previous != nil:
			out = append(out, *previous.DeepCopy())
		}
	}
	return out, nil
}

// indexOf returns the index of the variable name in env, -1 when absent. A variable listed
// twice is refused: the kubelet takes the last one, and which one the record should hold and
// restore is a guess the action does not make.
func indexOf(env []corev1.EnvVar, name, container string) (int, error) {
	found := -1
	for i, e := range env {
		if e.Name != name {
			continue
		}
		if found >= 0 {
			return -1, fmt.Errorf("container %s sets the variable %s twice; remove the duplicate first", container, name)
		}
		found = i
	}
	return found, nil
}

// describeEnv returns, for each name, the variable's value in env for an output: its literal
// value, a description of its reference, or nil when it is not set. Values from Secrets are
// never read, only named.
func describeEnv(env []corev1.EnvVar, names []string) map[string]any {
	out := make(map[string]any, len(names))
	for _, name := range names {
		out[name] = nil
		for _, e := range env {
			if e.Name == name {
				out[name] = describeVar(e)
			}
		}
	}
	return out
}

// describeVar renders one variable's value: "debug", or "(from secret db key password)".
func describeVar(e corev1.EnvVar) string {
	from := e.ValueFrom
	switch {
	case from == nil:
		return e.Value
	case from.SecretKeyRef != nil:
		return fmt.Sprintf("(from secret %s key %s)", from.SecretKeyRef.Name, from.SecretKeyRef.Key)
	case from.ConfigMapKeyRef != nil:
		return fmt.Sprintf("(from configmap %s key %s)", from.ConfigMapKeyRef.Name, from.ConfigMapKeyRef.Key)
	case from.FieldRef != nil:
		return fmt.Sprintf("(from field %s)", from.FieldRef.FieldPath)
	case from.ResourceFieldRef != nil:
		return fmt.Sprintf("(from resource %s)", from.ResourceFieldRef.Resource)
	default:
		return "(from a reference)"
	}
}
