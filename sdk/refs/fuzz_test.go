package refs

import (
	"bytes"
	"encoding/json"
	"testing"
)

func FuzzFindResolve(f *testing.F) {
	for _, seed := range []string{
		``, `null`, `{}`, `[]`, `{"a":}`,
		`{"replicas":"$(steps.a.outputs.count)"}`,
		`{"m":"x $(steps.a.outputs.quoted) $(steps.b.outputs.name)","l":[1,"$(steps.a.outputs.obj)"]}`,
		`{"m":"$(steps.a.output.b)","n":"$(steps.a.outputs.b"}`,
		`{"k":1,"k":2}`, `{"\u0024(steps.a.outputs.k)":"\u0024(steps.a.outputs.max)"}`,
		"{\"u\":\"\\ud800 $(steps.a.outputs.uni)\"}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, inputs []byte) {
		refs, findErr := Find(inputs)
		out, err := Resolve(inputs, sampleOutputs)
		if err != nil {
			if out != nil {
				t.Fatal("Resolve returned output along with an error")
			}
			if findErr == nil && allRecorded(refs) {
				t.Fatalf("Find accepted %q and every output exists, yet Resolve failed: %v", inputs, err)
			}
			return
		}
		if findErr != nil {
			t.Fatalf("Resolve accepted %q that Find rejected: %v", inputs, findErr)
		}
		var obj map[string]json.RawMessage
		if dec := json.NewDecoder(bytes.NewReader(out)); dec.Decode(&obj) != nil || !json.Valid(out) || obj == nil {
			t.Fatalf("Resolve(%q) = %q, not a JSON object", inputs, out)
		}
		if len(refs) == 0 && len(bytes.TrimSpace(inputs)) > 0 && !bytes.Equal(bytes.TrimSpace(inputs), []byte("null")) &&
			!bytes.Equal(out, inputs) {
			t.Fatalf("Resolve changed %q without references into %q", inputs, out)
		}
	})
}

// allRecorded reports whether every reference names an output sampleOutputs holds.
func allRecorded(refs []Ref) bool {
	for _, r := range refs {
		outs, ok := sampleOutputs(r.Step)
		if _, has := outs[r.Key]; !ok || !has {
			return false
		}
	}
	return true
}
