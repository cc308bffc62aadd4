package contract

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// FuzzParse checks that Parse never panics, that every failure is one of its documented error
// types, and that a contract that parses survives marshalling and parsing again unchanged.
func FuzzParse(f *testing.F) {
	fixtures, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	if err != nil || len(fixtures) == 0 {
		f.Fatalf("no fixtures in testdata: %v", err)
	}
	for _, name := range fixtures {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(header + "spec: {}\n---\n"))
	f.Add([]byte(`{"apiVersion":"kubernaut.ai/v1alpha1","kind":"ActionContract"} {}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrEmpty) &&
				!errors.Is(err, ErrMultipleDocuments) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Parse returned an undocumented error %T: %v", err, err)
			}
			return
		}
		again, err := yaml.Marshal(c)
		if err != nil {
			t.Fatalf("Marshal of a parsed contract: %v", err)
		}
		reparsed, err := Parse(again)
		if err != nil {
			t.Fatalf("a marshalled contract does not parse: %v\n%s", err, again)
		}
		if diff := cmp.Diff(c, reparsed); diff != "" {
			t.Fatalf("round trip changed the contract (-first +second):\n%s", diff)
		}
	})
}

// FuzzApplyInputs checks that input validation never panics on any JSON, that failures are
// *InputError, and that applying the result again is accepted and changes nothing.
func FuzzApplyInputs(f *testing.F) {
	c := mustParse(f, readFixture(f, "scale-deployment.yaml"))
	for _, seed := range []string{
		`{"namespace": "prod", "deployment": "web", "replicas": 3}`,
		`{"namespace": "prod", "deployment": "web", "replicas": 3.0, "strategy": "immediate", "labels": {"a": [1, {"b": null}]}}`,
		`{"replicas": 1e400, "timeoutSeconds": -0.0}`,
		`{"replicas": 1.0000000000000000001}`,
		`[]`, `null`, `{`, `{"a/b~c": 1}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := c.ApplyInputsJSON(data)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("ApplyInputsJSON returned %T, want *InputError: %v", err, err)
			}
			return
		}
		encoded, err := json.Marshal(out)
		if err != nil {
			t.Fatalf("the result does not marshal: %v", err)
		}
		again, err := c.ApplyInputsJSON(encoded)
		if err != nil {
			t.Fatalf("the result is not valid input itself: %v\n%s", err, encoded)
		}
		if diff := cmp.Diff(out, again); diff != "" {
			t.Fatalf("applying twice changed the result (-first +second):\n%s", diff)
		}
	})
}
