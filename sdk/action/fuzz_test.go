package action_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kubernaut/kubernaut/sdk/action"
)

// FuzzParseOutputs checks that ParseOutputs never panics on any standard output, and that
// every object WriteOutputs accepts parses back equal, even after other lines.
func FuzzParseOutputs(f *testing.F) {
	for _, seed := range []string{
		`{"a":1}`, "log\n{\"a\":[1,{\"b\":null}]}\r\n", "", "\n\n", `[1]`, `{"a":"\u2028"}`,
		`{"a":1}{}`, `{"n":1e400}`, "{\"a\":\"\xff\"}", `{"outputs":1}`, `{"a":-0.0e-0}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, stdout []byte) {
		_, _ = action.ParseOutputs(stdout)

		var out action.Outputs
		dec := json.NewDecoder(bytes.NewReader(stdout))
		dec.UseNumber()
		if dec.Decode(&out) != nil {
			return
		}
		var buf bytes.Buffer
		buf.WriteString("some log line\n")
		if action.WriteOutputs(&buf, out) != nil {
			return // not deliverable (a bad name, too large); nothing was promised
		}
		got, err := action.ParseOutputs(buf.Bytes())
		if err != nil {
			t.Fatalf("WriteOutputs printed %q, which does not parse: %v", buf.String(), err)
		}
		want := map[string]any(out)
		if want == nil {
			want = map[string]any{}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("parsed back (-written +parsed):\n%s", diff)
		}
	})
}
