package workflow

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// FuzzParseAndValidate feeds arbitrary documents through Parse and Validate: neither may panic,
// every failure must be one of the documented error kinds, a valid workflow's graph must order
// every step exactly once, and a parsed workflow must survive a JSON round trip unchanged (an empty list may become
// absent: omitempty).
//
//	go test ./internal/workflow -run '^$' -fuzz FuzzParseAndValidate -fuzztime 60s
func FuzzParseAndValidate(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(workflowOf("  steps:", step("a", "runAfter: [c]"), step("b", "runAfter: [a]"), step("c", "runAfter: [b]"))))
	f.Add([]byte(workflowOf("  steps:", step("a"), step("b", "inputs: {x: '$(steps.a.outputs.x)', y: [1, {z: '$(steps.'}]}"))))
	f.Add([]byte(`{"apiVersion":"workflowexecution.kubernaut.ai/v1alpha1","kind":"WorkflowExecution","spec":{"steps":[{"name":"a","actionType":"a/b","timeout":"1h","retries":1e3}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		wfe, err := Parse(data)
		if err != nil {
			checkParseError(t, err)
			return
		}
		checkRoundTrip(t, wfe)
		g, err := Validate(&wfe.Spec)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Errors) == 0 {
				t.Fatalf("Validate error %v (%T) is not a *ValidationError with problems", err, err)
			}
			if !slices.Contains([]string{workflowv1alpha1.InvalidDependencyGraphReason, workflowv1alpha1.InvalidOutputReferenceReason, workflowv1alpha1.InvalidSpecReason}, ve.Reason) {
				t.Fatalf("unknown reason %q", ve.Reason)
			}
			return
		}
		order := g.Order()
		for _, s := range wfe.Spec.Steps {
			if slices.Index(order, s.Name) < 0 {
				t.Fatalf("step %q is missing from the order %v", s.Name, order)
			}
		}
		if len(order) != len(wfe.Spec.Steps) {
			t.Fatalf("order %v has %d steps, the spec %d", order, len(order), len(wfe.Spec.Steps))
		}
	})
}

func checkParseError(t *testing.T, err error) {
	t.Helper()
	var pe *ParseError
	if errors.As(err, &pe) {
		if len(pe.Errors) == 0 {
			t.Fatal("a *ParseError without problems")
		}
		return
	}
	for _, sentinel := range []error{ErrTooLarge, ErrMalformed, ErrEmpty, ErrNotAMapping, ErrMultipleDocuments} {
		if errors.Is(err, sentinel) {
			return
		}
	}
	t.Fatalf("Parse error %v (%T) is neither a *ParseError nor a documented sentinel", err, err)
}

// checkRoundTrip encodes a parsed workflow as the API server would store it and parses it again.
func checkRoundTrip(t *testing.T, wfe *workflowv1alpha1.WorkflowExecution) {
	t.Helper()
	js, err := json.Marshal(wfe)
	if err != nil {
		t.Fatalf("encoding the parsed workflow: %v", err)
	}
	again, err := Parse(js)
	if err != nil {
		t.Fatalf("the encoded workflow does not parse: %v\n%s", err, js)
	}
	if diff := cmp.Diff(wfe, again, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("the workflow changed in a JSON round trip (-first +second):\n%s", diff)
	}
}
