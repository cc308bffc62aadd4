package workflow

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestTheSeedExamplesParseAndValidate(t *testing.T) {
	tests := []struct {
		file      string
		wantOrder []string
	}{
		{"scale-deployment.yaml", []string{"scale-deployment"}},
		{"gitops-pr.yaml", []string{"git-clone", "modify-deployment", "git-commit", "git-push-pr"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			for format, doc := range map[string]string{"yaml": readTestdata(t, tt.file), "json": toJSON(t, readTestdata(t, tt.file))} {
				wfe, err := Parse([]byte(doc))
				if err != nil {
					t.Fatalf("Parse(%s): %v", format, err)
				}
				g, err := Validate(&wfe.Spec)
				if err != nil {
					t.Fatalf("Validate(%s): %v", format, err)
				}
				if diff := cmp.Diff(tt.wantOrder, g.Order()); diff != "" {
					t.Errorf("order of the %s document (-want +got):\n%s", format, diff)
				}
			}
		})
	}
}

func TestParseKeepsEveryField(t *testing.T) {
	wfe, err := Parse([]byte(readTestdata(t, "gitops-pr.yaml")))
	if err != nil {
		t.Fatal(err)
	}
	clone := wfe.Spec.Steps[0]
	got := []any{wfe.Name, wfe.Namespace, wfe.Spec.WorkflowType, wfe.Spec.Timeout.Duration, *wfe.Spec.MaxParallelSteps,
		wfe.Spec.Workspace.Size.String(), clone.UsesWorkspace, clone.Timeout.Duration, clone.Retries,
		string(wfe.Spec.Steps[1].Inputs.Raw), wfe.Spec.Steps[3].RunAfter}
	want := []any{"gitops-pr-payment-service", "payments", "gitops-pr-creation", 10 * time.Minute, int32(2),
		"1Gi", true, 2 * time.Minute, int32(2),
		`{"mergePatch":{"spec":{"replicas":10}},"path":"apps/payment-service/deployment.yaml"}`, []string{"git-commit"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parsed fields (-want +got):\n%s", diff)
	}
}

func TestParseReportsFieldProblemsWithTheirPaths(t *testing.T) {
	scale := readTestdata(t, "scale-deployment.yaml")
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"a missing apiVersion says what to add",
			strings.Replace(scale, "apiVersion: workflowexecution.kubernaut.ai/v1alpha1\n", "", 1),
			[]string{"apiVersion: Required value: add `apiVersion: workflowexecution.kubernaut.ai/v1alpha1` at the top of the document"}},
		{"a missing kind says what to add",
			strings.Replace(scale, "kind: WorkflowExecution\n", "", 1),
			[]string{"kind: Required value: add `kind: WorkflowExecution` at the top of the document"}},
		{"another kind is refused alone, without unknown-field noise",
			"apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n",
			[]string{`apiVersion: Unsupported value: "v1": supported values: "workflowexecution.kubernaut.ai/v1alpha1"`,
				`kind: Unsupported value: "ConfigMap": supported values: "WorkflowExecution"`}},
		{"a misspelt step field is unknown, with a suggestion",
			strings.Replace(scale, "      image:", "      imgae:", 1),
			[]string{`spec.steps[0].imgae: Forbidden: unknown field; did you mean "image"?`}},
		{"field names are case-sensitive",
			strings.Replace(scale, "      inputs:", "      Inputs:", 1),
			[]string{`spec.steps[0].Inputs: Forbidden: unknown field; did you mean "inputs"?`}},
		{"every problem is reported at once, each at its index",
			scale + "    - name: second\n      actionType: a/b\n      retries: many\n      runAfter: scale-deployment\n      timeout: 5 minutes\n  paralel: 2\n",
			[]string{
				`spec.paralel: Forbidden: unknown field; known fields: cancel, maxParallelSteps, steps, timeout, workflowType, workspace`,
				`spec.steps[1].retries: Invalid value: "many": must be a number, got a string`,
				`spec.steps[1].runAfter: Invalid value: "scale-deployment": must be a list, got a string`,
				`spec.steps[1].timeout: Invalid value: "5 minutes": must be a duration such as 90s, 5m or 1h30m (time: unknown unit " minutes" in duration "5 minutes")`,
			}},
		{"a fractional integer is refused",
			strings.Replace(scale, "      inputs:", "      retries: 1.5\n      inputs:", 1),
			[]string{`spec.steps[0].retries: Invalid value: "1.5": must be a whole number that fits in 32 bits`}},
		{"a malformed workspace size is refused",
			strings.Replace(scale, "spec:\n", "spec:\n  workspace: {size: lots}\n", 1),
			[]string{`spec.workspace.size: Invalid value: "lots": must be a quantity such as 1Gi or 500Mi (quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$')`}},
		{"metadata is checked strictly too",
			strings.Replace(scale, "spec:\n", "metadata:\n  nam: x\n  labels: {team: 7}\nspec:\n", 1),
			[]string{`metadata.labels[team]: Invalid value: 7: must be a string, got a number`,
				`metadata.nam: Forbidden: unknown field; did you mean "name"?`}},
		{"a document without spec is refused",
			"apiVersion: workflowexecution.kubernaut.ai/v1alpha1\nkind: WorkflowExecution\nmetadata: {name: x}\n",
			[]string{"spec: Required value: a WorkflowExecution needs a spec with its steps"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v (%T), want a *ParseError", err, err)
			}
			if diff := cmp.Diff(tt.want, strings.Split(pe.Error(), "\n")); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRefusesDocumentsThatAreNotOneWorkflow(t *testing.T) {
	scale := readTestdata(t, "scale-deployment.yaml")
	tests := []struct {
		name    string
		doc     string
		want    error
		message string
	}{
		{"empty input", "", ErrEmpty, "no content"},
		{"only comments", "# nothing\n", ErrEmpty, "no content"},
		{"two documents", scale + "---\n" + scale, ErrMultipleDocuments, "found 2"},
		{"a repeated key", strings.Replace(scale, "        replicas: 10\n", "        replicas: 10\n        replicas: 11\n", 1),
			ErrMalformed, `key "replicas" already set`},
		{"broken YAML", "spec: [\n", ErrMalformed, "did not find expected"},
		{"a list", "- a\n- b\n", ErrNotAMapping, "got a list"},
		{"a scalar", "hello\n", ErrNotAMapping, "got a string"},
		{"an oversized document", scale + "# " + strings.Repeat("x", MaxDocumentSize) + "\n", ErrTooLarge, "the limit is 1572864"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.message) {
				t.Errorf("Parse error = %v, want %v containing %q", err, tt.want, tt.message)
			}
		})
	}
}

func TestParseToleratesSeparatorsAroundTheDocument(t *testing.T) {
	doc := "---\n" + readTestdata(t, "scale-deployment.yaml") + "---\n"
	if _, err := Parse([]byte(doc)); err != nil {
		t.Errorf("Parse: %v", err)
	}
}

func toJSON(t *testing.T, doc string) string {
	t.Helper()
	js, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return string(js)
}
