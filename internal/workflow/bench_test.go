package workflow

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParseAndValidate200Steps parses and validates a workflow of the CRD's maximum size:
// the work of `kubernaut validate`.
//
//	go test ./internal/workflow -run '^$' -bench ParseAndValidate -benchmem
func BenchmarkParseAndValidate200Steps(b *testing.B) {
	doc := chainOf200Steps()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		wfe, err := Parse(doc)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Validate(&wfe.Spec); err != nil {
			b.Fatal(err)
		}
	}
}

// chainOf200Steps is a workflow of the CRD's maximum size, each step running after the previous
// two and referencing outputs of both.
func chainOf200Steps() []byte {
	lines := []string{"  steps:"}
	for i := range 200 {
		extra := []string{"timeout: 2m", "retries: 1"}
		switch {
		case i >= 2:
			extra = append(extra, fmt.Sprintf("runAfter: [s%d, s%d]", i-1, i-2),
				fmt.Sprintf("inputs: {replicas: '$(steps.s%d.outputs.replicas)', note: 'after $(steps.s%d.outputs.name)', n: %d}", i-1, i-2, i))
		case i == 1:
			extra = append(extra, "runAfter: [s0]")
		}
		lines = append(lines, step(fmt.Sprintf("s%d", i), extra...))
	}
	return []byte(workflowOf(strings.Join(lines, "\n")))
}

// BenchmarkValidate200Steps validates the spec of the same workflow, already decoded: what the
// controller does with an object from its cache.
//
//	go test ./internal/workflow -run '^$' -bench 'Validate200' -benchmem
func BenchmarkValidate200Steps(b *testing.B) {
	wfe, err := Parse(chainOf200Steps())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Validate(&wfe.Spec); err != nil {
			b.Fatal(err)
		}
	}
}
