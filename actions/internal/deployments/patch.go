package deployments

import (
	"encoding/json"

	"k8s.io/apimachinery/pkg/types"
)

// Patch is the change that a TemplateEdit sends: JSON patch operations, or a strategic merge
// patch of the pod template. The zero Patch changes nothing. Either kind is sent with the
// resourceVersion that was read, so that the API server applies it to that version only and
// answers Conflict otherwise.
type Patch struct {
	// Ops are RFC 6902 operations on the Deployment. Whole values are the way to edit an atomic
	// list (node selector terms) or to drop fields that a merge would keep (valueFrom when an
	// env entry becomes a literal, the labels of a newer template).
	Ops []Op
	// Template is a strategic merge patch of spec.template, used when Ops is empty: lists of
	// containers merge by name, so it can change one field of one container.
	Template map[string]any
}

// Op is one JSON patch operation.
type Op struct {
	// Op is the operation: add, remove or replace.
	Op string `json:"op"`
	// Path is the JSON pointer to the field.
	Path string `json:"path"`
	// Value is the field's new value; nil for a remove.
	Value any `json:"value,omitempty"`
}

// SetOrRemove returns the operation that leaves path holding value when set is true, or
// absent: an add (which replaces a present value) or a remove. It returns none when the field
// is to be absent and was (wasSet false), because removing a missing path fails the whole patch.
func SetOrRemove(path string, value any, set, wasSet bool) []Op {
	switch {
	case set:
		return []Op{{Op: "add", Path: path, Value: value}}
	case wasSet:
		return []Op{{Op: "remove", Path: path}}
	default:
		return nil
	}
}

func (p Patch) empty() bool { return len(p.Ops) == 0 && p.Template == nil }

// encode renders the patch guarded by resourceVersion: a JSON patch starts by putting back the
// version read (a replace of metadata.resourceVersion), a merge patch carries it in metadata.
func (p Patch) encode(resourceVersion string) (types.PatchType, []byte, error) {
	if len(p.Ops) > 0 {
		ops := append([]Op{{Op: "replace", Path: "/metadata/resourceVersion", Value: resourceVersion}}, p.Ops...)
		data, err := json.Marshal(ops)
		return types.JSONPatchType, data, err
	}
	data, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"resourceVersion": resourceVersion},
		"spec":     map[string]any{"template": p.Template},
	})
	return types.StrategicMergePatchType, data, err
}
