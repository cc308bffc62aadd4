package gitops

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const manifest = `# web
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2 # scaled by HPA
  template:
    spec:
      containers:
        - name: web
          image: web:1.0
          env:
            - name: LEVEL
              value: "info"
`

func TestModifyDocumentChangesOnlyWhatItIsAsked(t *testing.T) {
	tests := []struct {
		name   string
		isJSON bool
		in     string
		mod    modification
		want   string
	}{
		{
			name: "set keeps the key order and the comments",
			in:   manifest,
			mod:  modification{mode: "set", value: map[string]any{"spec.replicas": 5, "spec.template.spec.containers.0.image": "web:1.1"}},
			want: strings.NewReplacer("replicas: 2", "replicas: 5", "image: web:1.0", "image: web:1.1").Replace(manifest),
		},
		{
			name: "set creates missing objects and escapes dots in keys",
			in:   "metadata:\n  name: web\n",
			mod:  modification{mode: "set", value: map[string]any{`metadata.annotations.kubernaut\.ai/reason`: "OOMKilled"}},
			want: "metadata:\n  name: web\n  annotations:\n    kubernaut.ai/reason: OOMKilled\n",
		},
		{
			name: "set keeps a string that looks like a number a string",
			in:   "data:\n  retries: \"3\"\n",
			mod:  modification{mode: "set", value: map[string]any{"data.retries": "10"}},
			want: "data:\n  retries: \"10\"\n",
		},
		{
			name: "a merge patch deletes with null and appends new keys sorted",
			in:   "b: 1\na: 2\nc: 3\n",
			mod:  modification{mode: "mergePatch", value: map[string]any{"c": nil, "z": 1, "d": map[string]any{"x": true}}},
			want: "b: 1\na: 2\nd:\n  x: true\nz: 1\n",
		},
		{
			name: "a JSON patch adds to a list and replaces a value",
			in:   manifest,
			mod: modification{mode: "jsonPatch", value: []any{
				map[string]any{"op": "replace", "path": "/spec/template/spec/containers/0/env/0/value", "value": "debug"},
				map[string]any{"op": "add", "path": "/spec/template/spec/containers/0/env/-", "value": map[string]any{"name": "TRACE", "value": "1"}},
			}},
			want: strings.Replace(manifest, `value: "info"`, "value: \"debug\"\n            - name: TRACE\n              value: \"1\"", 1),
		},
		{
			name: "a change to nothing returns the file byte for byte, odd formatting included",
			in:   "a:   1\nb: [ 1,2 ]\n",
			mod:  modification{mode: "set", value: map[string]any{"a": 1}},
			want: "a:   1\nb: [ 1,2 ]\n",
		},
		{
			name:   "JSON stays JSON",
			isJSON: true,
			in:     `{"replicas": 2, "name": "web"}`,
			mod:    modification{mode: "mergePatch", value: map[string]any{"replicas": 3}},
			want:   "{\n  \"name\": \"web\",\n  \"replicas\": 3\n}\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mod := tt.mod
			var err error
			if mod.value, err = jsonForm(mod.value); err != nil {
				t.Fatal(err)
			}
			got, err := modifyDocument([]byte(tt.in), tt.isJSON, mod)
			if err != nil {
				t.Fatalf("modifyDocument: %v", err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("document (-want +got):\n%s", diff)
			}
		})
	}
}

func TestModifyDocumentRefusesWhatItCannotDoSafely(t *testing.T) {
	tests := []struct {
		name, in string
		mod      modification
		want     string
	}{
		{"two documents", "a: 1\n---\nb: 2\n", modification{mode: "set", value: map[string]any{"a": 2}}, "more than one YAML document"},
		{"an empty file", "", modification{mode: "set", value: map[string]any{"a": 2}}, "the file is empty"},
		{"not YAML", "a: [1\n", modification{mode: "set", value: map[string]any{"a": 2}}, "not YAML"},
		{"a field of a scalar", "a: 1\n", modification{mode: "set", value: map[string]any{"a.b": 2}}, `path "a.b": "a" is a scalar (1), so it has no field "b"`},
		{"an index past the list", "a: [1]\n", modification{mode: "set", value: map[string]any{"a.3": 2}}, `"a" is a list of 1 elements; "3" is not an index`},
		{"an empty path segment", "a: 1\n", modification{mode: "set", value: map[string]any{"a..b": 2}}, "an empty segment"},
		{"a failed JSON patch test", "a: 1\n", modification{mode: "jsonPatch", value: []any{map[string]any{"op": "test", "path": "/a", "value": 2}}}, `applying the input "jsonPatch"`},
		{"a JSON patch removing what is not there", "a: 1\n", modification{mode: "jsonPatch", value: []any{map[string]any{"op": "remove", "path": "/b"}}}, `applying the input "jsonPatch"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mod := tt.mod
			var err error
			if mod.value, err = jsonForm(mod.value); err != nil {
				t.Fatal(err)
			}
			_, err = modifyDocument([]byte(tt.in), false, mod)

			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
