package actionexecution

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kubernaut/kubernaut/sdk/contract"
)

// deferContract declares one input of each kind a reference can stand for.
const deferContract = `apiVersion: kubernaut.ai/v1alpha1
kind: ActionContract
metadata: {name: defer-test, version: v0.1.0}
spec:
  inputs:
    - {name: target, type: string, required: true, pattern: "^[a-z]+$"}
    - {name: replicas, type: integer, default: 3, minimum: 0}
    - {name: labels, type: object}
    - {name: big, type: integer}
  resources:
    limits: {cpu: 100m, memory: 32Mi}
  rbac:
    permissions: []
`

func TestApplyInputsDeferringReferences(t *testing.T) {
	c, err := contract.Parse([]byte(deferContract))
	if err != nil {
		t.Fatalf("parse contract: %v", err)
	}
	tests := []struct {
		name    string
		inputs  string
		want    string // JSON, when accepted
		wantErr string // part of the error, when refused
	}{{
		name:   "inputs without references are validated and defaulted as with engine jobs",
		inputs: `{"target":"web"}`,
		want:   `{"target":"web","replicas":3}`,
	}, {
		name:   "a whole-value reference stands for a required input without a type check",
		inputs: `{"target":"$(steps.find.outputs.name)","replicas":2}`,
		want:   `{"target":"$(steps.find.outputs.name)","replicas":2}`,
	}, {
		name:   "a referenced input with a default keeps the reference and gets no default",
		inputs: `{"target":"web","replicas":"$(steps.read.outputs.replicas)"}`,
		want:   `{"target":"web","replicas":"$(steps.read.outputs.replicas)"}`,
	}, {
		name:   "a reference inside a longer string escapes the pattern check, which the SDK runs later",
		inputs: `{"target":"web-$(steps.find.outputs.suffix)"}`,
		want:   `{"target":"web-$(steps.find.outputs.suffix)","replicas":3}`,
	}, {
		name:   "a reference nested in an object input defers the whole input, kept verbatim",
		inputs: `{"target":"web","labels":{"app":"$(steps.find.outputs.app)","tier":"front"}}`,
		want:   `{"target":"web","replicas":3,"labels":{"app":"$(steps.find.outputs.app)","tier":"front"}}`,
	}, {
		name:   "a large integer next to a reference stays exact",
		inputs: `{"target":"$(steps.find.outputs.name)","big":123456789012345678901234567890}`,
		want:   `{"target":"$(steps.find.outputs.name)","replicas":3,"big":123456789012345678901234567890}`,
	}, {
		name:    "a static value is still checked next to a reference",
		inputs:  `{"target":"$(steps.find.outputs.name)","replicas":-1}`,
		wantErr: "/replicas: must be at least 0",
	}, {
		name:    "a required input is still required when another input holds a reference",
		inputs:  `{"replicas":"$(steps.read.outputs.replicas)"}`,
		wantErr: "/target: required input is missing",
	}, {
		name:    "a reference under an undeclared key is an unknown input",
		inputs:  `{"target":"web","taget":"$(steps.find.outputs.name)"}`,
		wantErr: "/taget: unknown input",
	}, {
		name:    "a malformed reference is refused with its pointer",
		inputs:  `{"target":"$(steps.find.outputs.name"}`,
		wantErr: "/target: malformed reference",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := applyInputsDeferringReferences(c, []byte(tt.inputs))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if diff := cmp.Diff(decodeExact(t, tt.want), decodeExact(t, string(got))); diff != "" {
				t.Errorf("inputs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplyInputsDeferringReferences_leavesTheSharedContractUnchanged(t *testing.T) {
	c, err := contract.Parse([]byte(deferContract))
	if err != nil {
		t.Fatalf("parse contract: %v", err)
	}
	before := c.Spec.Inputs[1]
	if _, err := applyInputsDeferringReferences(c, []byte(`{"target":"web","replicas":"$(steps.a.outputs.b)"}`)); err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if diff := cmp.Diff(before, c.Spec.Inputs[1]); diff != "" {
		t.Errorf("the loader's cached contract was modified (-before +after):\n%s", diff)
	}
}

// decodeExact decodes JSON with numbers as json.Number, so large integers compare exactly.
func decodeExact(t *testing.T, doc string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", doc, err)
	}
	return v
}
