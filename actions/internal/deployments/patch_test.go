package deployments

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/types"
)

func TestAPatchIsSentGuardedByTheResourceVersionRead(t *testing.T) {
	tests := []struct {
		name     string
		patch    Patch
		wantType types.PatchType
		wantData string
	}{{
		name:     "JSON patch operations start by putting back the resourceVersion",
		patch:    Patch{Ops: []Op{{Op: "replace", Path: "/spec/template", Value: map[string]any{}}}},
		wantType: types.JSONPatchType,
		wantData: `[{"op":"replace","path":"/metadata/resourceVersion","value":"42"},{"op":"replace","path":"/spec/template","value":{}}]`,
	}, {
		name:     "a merge patch of the template carries the resourceVersion in metadata",
		patch:    Patch{Template: map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "app"}}}}},
		wantType: types.StrategicMergePatchType,
		wantData: `{"metadata":{"resourceVersion":"42"},"spec":{"template":{"spec":{"containers":[{"name":"app"}]}}}}`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotType, data, err := tt.patch.encode("42")

			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if diff := cmp.Diff([]any{tt.wantType, tt.wantData}, []any{gotType, string(data)}); diff != "" {
				t.Errorf("(type, data) (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSetOrRemoveLeavesThePathAsWanted(t *testing.T) {
	tests := []struct {
		name        string
		set, wasSet bool
		want        []Op
	}{
		{"a value to set is added, which replaces one present", true, true, []Op{{Op: "add", Path: "/a", Value: "v"}}},
		{"a value to set where none was is added", true, false, []Op{{Op: "add", Path: "/a", Value: "v"}}},
		{"a field to clear that is set is removed", false, true, []Op{{Op: "remove", Path: "/a"}}},
		{"a field to clear that is absent needs no operation", false, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SetOrRemove("/a", "v", tt.set, tt.wasSet)

			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ops (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTheZeroPatchChangesNothing(t *testing.T) {
	if !(Patch{}).empty() {
		t.Error("the zero Patch is not empty")
	}
	if (Patch{Ops: SetOrRemove("/a", nil, false, true)}).empty() {
		t.Error("a patch with a remove is empty")
	}
}
