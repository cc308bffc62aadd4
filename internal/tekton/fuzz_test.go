package tekton

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzInputsParam checks that the inputs param of any valid inputs object holds no "$" for
// Tekton to substitute, decodes to the same value, and that PipelineRun never panics.
func FuzzInputsParam(f *testing.F) {
	for _, seed := range []string{
		`{}`, `null`, ``, `{"a":"$(steps.x.outputs.k)"}`, `{"$(k)":"$$","b":"\\$(x)"}`,
		`{"n":9007199254740993,"s":"\u0024(params.image)"}`, `[1]`, `{"a":`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, inputs []byte) {
		w := workflow("wf", step("x", ""), step("a", "", "x"))
		w.Steps[1].Inputs = inputs
		pr, err := PipelineRun(w)
		if err != nil {
			return
		}
		param := pr.Spec.PipelineSpec.Tasks[1].Params[1].Value.StringVal
		if strings.Contains(param, "$") {
			t.Fatalf("the inputs param holds a \"$\": %s", param)
		}
		var want, got any
		if json.Unmarshal(inputs, &want) != nil {
			want = map[string]any{} // empty inputs
		}
		if want == nil {
			want = map[string]any{}
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(param)))
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("the inputs param %s is not JSON: %v", param, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("the inputs param decodes differently (-inputs +param):\n%s", diff)
		}
	})
}
