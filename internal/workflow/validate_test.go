package workflow

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// variant edits the GitOps example with old→new replacements (each must apply).
func variant(t *testing.T, replacements ...string) string {
	t.Helper()
	doc := readTestdata(t, "gitops-pr.yaml")
	for i := 0; i < len(replacements); i += 2 {
		if !strings.Contains(doc, replacements[i]) {
			t.Fatalf("the example does not contain %q", replacements[i])
		}
		doc = strings.Replace(doc, replacements[i], replacements[i+1], 1)
	}
	return doc
}

// workflowOf builds a minimal valid document around steps given as YAML list items.
func workflowOf(specLines ...string) string {
	return "apiVersion: workflowexecution.kubernaut.ai/v1alpha1\nkind: WorkflowExecution\nspec:\n" + strings.Join(specLines, "\n") + "\n"
}

func step(name string, extra ...string) string {
	lines := []string{"  - name: " + name, "    actionType: test/noop"}
	for _, e := range extra {
		lines = append(lines, "    "+e)
	}
	return strings.Join(lines, "\n")
}

func TestValidateRefusesBrokenGraphs(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"a duplicate step name points at the first use",
			workflowOf("  steps:", step("a"), step("b", "runAfter: [a]"), step("a")),
			[]string{`spec.steps[2].name: Duplicate value: "a": already the name of steps[0]; step names must be unique`}},
		{"an unknown runAfter name is reported at its entry",
			variant(t, "runAfter: [modify-deployment]", "runAfter: [modify-deploymnet]"),
			[]string{`spec.steps[2].runAfter[0]: Not found: "modify-deploymnet": step "git-commit" runs after "modify-deploymnet", but no step has that name`}},
		{"a cycle names its path",
			workflowOf("  steps:", step("a", "runAfter: [c]"), step("b", "runAfter: [a]"), step("c", "runAfter: [b]")),
			[]string{`spec.steps[0].runAfter[0]: Invalid value: "c": dependency cycle: a -> b -> c -> a`}},
		{"a step running after itself is refused",
			workflowOf("  steps:", step("a", "runAfter: [a]")),
			[]string{`spec.steps[0].runAfter[0]: Invalid value: "a": a step cannot run after itself`}},
		{"a runAfter entry listed twice is refused",
			workflowOf("  steps:", step("a"), step("b", "runAfter: [a, a]")),
			[]string{`spec.steps[1].runAfter[1]: Duplicate value: "a": already listed at runAfter[0]`}},
		{"a step without a name is refused",
			workflowOf("  steps:", step("a"), "  - actionType: test/noop"),
			[]string{`spec.steps[1].name: Required value: every step needs a name`}},
	}
	runValidateTable(t, workflowv1alpha1.InvalidDependencyGraphReason, tests)
}

func TestValidateRefusesBadOutputReferences(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"a reference to a sibling that is not upstream says to add it to runAfter",
			workflowOf("  steps:", step("a"), step("b", "runAfter: [a]"), step("c", "runAfter: [a]", "inputs: {sha: $(steps.b.outputs.sha)}")),
			[]string{`spec.steps[2].inputs/sha: Invalid value: "$(steps.b.outputs.sha)": step "b" is not upstream of "c"; add it to runAfter`}},
		{"a reference to a later step of a sequence is not upstream",
			variant(t, "branch: main", "branch: $(steps.git-commit.outputs.branch)"),
			[]string{`spec.steps[0].inputs/branch: Invalid value: "$(steps.git-commit.outputs.branch)": step "git-commit" is not upstream of "git-clone"; add it to runAfter`}},
		{"a reference to an unknown step is refused",
			variant(t, "$(steps.git-commit.outputs.commit)", "$(steps.git-comit.outputs.commit)"),
			[]string{`spec.steps[3].inputs/commit: Invalid value: "$(steps.git-comit.outputs.commit)": no step is named "git-comit"`}},
		{"a step cannot use its own outputs",
			workflowOf("  steps:", step("a", "inputs: {x: $(steps.a.outputs.x)}")),
			[]string{`spec.steps[0].inputs/x: Invalid value: "$(steps.a.outputs.x)": step "a" cannot use its own outputs: they do not exist before it runs`}},
		{"a malformed reference is refused where it is, deep in the inputs",
			workflowOf("  steps:", step("a"), step("b", "runAfter: [a]", "inputs: {patch: {items: [ok, 'v=$(steps.a.output.v)']}}")),
			[]string{`spec.steps[1].inputs/patch/items/1: Invalid value: "$(steps.a.output.v)": malformed output reference: ` +
				`want $(steps.<step>.outputs.<key>) with <step> a DNS-1123 label and <key> an identifier`}},
		{"references inside longer strings and nested values are checked too",
			workflowOf("  steps:", step("a"), step("b"), step("c", "runAfter: [a]", "inputs: {msg: 'from $(steps.a.outputs.x) and $(steps.b.outputs.y)'}")),
			[]string{`spec.steps[2].inputs/msg: Invalid value: "$(steps.b.outputs.y)": step "b" is not upstream of "c"; add it to runAfter`}},
	}
	runValidateTable(t, workflowv1alpha1.InvalidOutputReferenceReason, tests)
}

func TestValidateChecksWhatTheCRDChecks(t *testing.T) {
	digest := "ghcr.io/kubernaut/actions/x@sha256:" + strings.Repeat("ab", 32)
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"an image with a tag only is refused",
			workflowOf("  steps:", step("a", "image: ghcr.io/kubernaut/actions/x:v1")),
			[]string{`spec.steps[0].image: Invalid value: "ghcr.io/kubernaut/actions/x:v1": must be pinned by digest as <repository>@sha256:<64 lower-case hex digits>; a tag alone is not accepted`}},
		{"an upper-case digest is refused",
			workflowOf("  steps:", step("a", "image: "+strings.ToUpper(digest[:len(digest)-64])+strings.Repeat("AB", 32))),
			[]string{`spec.steps[0].image: Invalid value: "GHCR.IO/KUBERNAUT/ACTIONS/X@SHA256:` + strings.Repeat("AB", 32) +
				`": must be pinned by digest as <repository>@sha256:<64 lower-case hex digits>; a tag alone is not accepted`}},
		{"a digest on an invalid repository is refused",
			workflowOf("  steps:", step("a", "image: Ghcr.io/UPPER/x@sha256:"+strings.Repeat("ab", 32))),
			[]string{`spec.steps[0].image: Invalid value: "Ghcr.io/UPPER/x@sha256:` + strings.Repeat("ab", 32) +
				`": not a valid image reference: repository can only contain the characters ` + "`abcdefghijklmnopqrstuvwxyz0123456789_-./`: UPPER/x"}},
		{"a step name that is not a DNS label is refused",
			workflowOf("  steps:", step("Scale_It")),
			[]string{`spec.steps[0].name: Invalid value: "Scale_It": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`}},
		{"an action type without a group is refused",
			workflowOf("  steps:", "  - name: a", "    actionType: scale"),
			[]string{`spec.steps[0].actionType: Invalid value: "scale": must be <group>/<name>: lower-case letters, digits and '-' in the group, and also '_' in the name`}},
		{"a step without an action type is refused",
			workflowOf("  steps:", "  - name: a"),
			[]string{`spec.steps[0].actionType: Required value: the action to run, as registered: <group>/<name>, e.g. kubernetes/scale_deployment`}},
		{"limits on retries, timeouts and parallelism are enforced",
			workflowOf("  timeout: 200h", "  maxParallelSteps: 0", "  workspace: {size: '0', storageClassName: Fast_SSD}", "  steps:",
				step("a", "retries: 11", "timeout: 500ms")),
			[]string{
				`spec.timeout: Invalid value: "200h0m0s": must be at least 1s and at most 168h0m0s`,
				`spec.maxParallelSteps: Invalid value: 0: must be between 1 and 100`,
				`spec.workspace.size: Invalid value: "0": must be greater than zero, such as 1Gi`,
				`spec.workspace.storageClassName: Invalid value: "Fast_SSD": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
				`spec.steps[0].timeout: Invalid value: "500ms": must be at least 1s and at most 24h0m0s`,
				`spec.steps[0].retries: Invalid value: 11: must be between 0 and 10`,
			}},
		{"inputs that are not an object are refused",
			workflowOf("  steps:", step("a", "inputs: [1, 2]")),
			[]string{`spec.steps[0].inputs: Invalid value: inputs must be a JSON object, got an array`}},
		{"a workflow without steps is refused",
			workflowOf("  steps: []"),
			[]string{`spec.steps: Required value: a workflow needs at least one step`}},
		{"more steps than the limit are refused",
			workflowOf("  steps:", manySteps(workflowv1alpha1.MaxSteps+1)),
			[]string{`spec.steps: Too many: 201: must have at most 200 items`}},
	}
	runValidateTable(t, workflowv1alpha1.InvalidSpecReason, tests)
}

func TestValidateReportsEveryProblemWithTheGraphReasonFirst(t *testing.T) {
	doc := workflowOf("  steps:", step("a", "runAfter: [ghost]", "retries: 11"), step("b", "inputs: {x: $(steps.a.outputs.x)}"))
	want := []string{
		`spec.steps[0].runAfter[0]: Not found: "ghost": step "a" runs after "ghost", but no step has that name`,
		`spec.steps[0].retries: Invalid value: 11: must be between 0 and 10`,
	}
	runValidateTable(t, workflowv1alpha1.InvalidDependencyGraphReason, []struct {
		name string
		doc  string
		want []string
	}{{"graph problems decide the reason; upstream is not judged without a graph", doc, want}})
}

func runValidateTable(t *testing.T, wantReason string, tests []struct {
	name string
	doc  string
	want []string
}) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wfe, err := Parse([]byte(tt.doc))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			g, err := Validate(&wfe.Spec)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate error = %v (%T), want a *ValidationError", err, err)
			}
			if g != nil {
				t.Errorf("Validate returned a graph with an error")
			}
			if ve.Reason != wantReason {
				t.Errorf("reason %q, want %q", ve.Reason, wantReason)
			}
			if diff := cmp.Diff(tt.want, strings.Split(ve.Error(), "\n")); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func manySteps(n int) string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = step(fmt.Sprintf("s%d", i))
	}
	return strings.Join(lines, "\n")
}
