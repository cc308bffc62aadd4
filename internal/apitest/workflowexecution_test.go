package apitest_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/testutil/envtest"
)

// The seed's two workflows as samples users copy; they must apply unchanged.
var workflowSamples = []string{
	filepath.Join("..", "..", "config", "samples", "workflowexecution_scale.yaml"),
	filepath.Join("..", "..", "config", "samples", "workflowexecution_gitops.yaml"),
}

func TestWorkflowExecution_theSeedsWorkflowsApplyAndReadBackIntact(t *testing.T) {
	ns := newNamespace(t)
	for _, path := range workflowSamples {
		t.Run(filepath.Base(path), func(t *testing.T) {
			want := &workflowv1alpha1.WorkflowExecution{}
			if err := yaml.UnmarshalStrict([]byte(readFile(t, path)), want); err != nil {
				t.Fatalf("the sample does not decode into the Go types: %v", err)
			}
			want.Namespace = ns
			if err := env.Client.Create(envtest.Context(t), want.DeepCopy()); err != nil {
				t.Fatalf("the API server rejects it: %v", err)
			}
			got := &workflowv1alpha1.WorkflowExecution{}
			if err := env.Client.Get(envtest.Context(t), client.ObjectKeyFromObject(want), got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want.Spec.Steps, got.Spec.Steps, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("steps read back differ (-applied +stored):\n%s", diff)
			}
		})
	}
}

func TestWorkflowExecution_invalidSpecIsRejectedNamingTheField(t *testing.T) {
	ns := newNamespace(t)
	for _, tc := range []struct{ name, spec, field, msg string }{
		{"no steps", `steps: []`, "spec.steps", "should have at least 1 items"},
		{"a step name that is not a DNS label", `steps: [{name: Scale_It, actionType: kubernetes/scale_deployment}]`,
			"spec.steps[0].name", "should match"},
		{"an image pinned by tag", `steps: [{name: a, actionType: kubernetes/scale_deployment, image: "registry.example/scale:v1"}]`,
			"spec.steps[0].image", "must be pinned by digest"},
		{"a step timeout that is not a duration", `steps: [{name: a, actionType: x/y, timeout: soon}]`,
			"spec.steps[0].timeout", "must be a positive duration"},
		{"a workflow timeout beyond a week", `{timeout: 200h, steps: [{name: a, actionType: x/y}]}`,
			"spec.timeout", "at most 168h"},
		{"more retries than allowed", `steps: [{name: a, actionType: x/y, retries: 11}]`,
			"spec.steps[0].retries", "less than or equal to 10"},
		{"zero parallel steps", `{maxParallelSteps: 0, steps: [{name: a, actionType: x/y}]}`,
			"spec.maxParallelSteps", "greater than or equal to 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := env.Client.Create(envtest.Context(t), workflowFromYAML(t, ns, tc.spec))
			assertInvalidField(t, err, tc.field, tc.msg)
		})
	}
}

func TestWorkflowExecution_specIsImmutableExceptCancelWhichCannotBeUnset(t *testing.T) {
	ctx := envtest.Context(t)
	ns := newNamespace(t)
	obj := &workflowv1alpha1.WorkflowExecution{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: "wfe-"},
		Spec: workflowv1alpha1.WorkflowExecutionSpec{Steps: []workflowv1alpha1.WorkflowStep{
			{Name: "a", ActionType: "kubernetes/scale_deployment", Inputs: rawJSON(`{"replicas":1}`)},
		}},
	}
	if err := env.Client.Create(ctx, obj); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		mutate func(*workflowv1alpha1.WorkflowExecution)
		field  string
	}{
		{"a step's inputs", func(w *workflowv1alpha1.WorkflowExecution) { w.Spec.Steps[0].Inputs = rawJSON(`{"replicas":2}`) }, "spec.steps"},
		{"an added step", func(w *workflowv1alpha1.WorkflowExecution) {
			w.Spec.Steps = append(w.Spec.Steps, workflowv1alpha1.WorkflowStep{Name: "b", ActionType: "x/y"})
		}, "spec.steps"},
		{"the workflow type", func(w *workflowv1alpha1.WorkflowExecution) { w.Spec.WorkflowType = "other" }, "spec"},
	} {
		t.Run("changing "+tc.name+" is rejected", func(t *testing.T) {
			changed := obj.DeepCopy()
			tc.mutate(changed)
			err := env.Client.Update(ctx, changed)
			assertInvalidField(t, err, tc.field, "immutable")
		})
	}
	cancelled := obj.DeepCopy()
	cancelled.Spec.Cancel = true
	if err := env.Client.Update(ctx, cancelled); err != nil {
		t.Fatalf("setting spec.cancel: %v", err)
	}
	cancelled.Spec.Cancel = false
	assertInvalidField(t, env.Client.Update(ctx, cancelled), "spec", "cannot be unset")
}

func TestWorkflowExecution_kubectlGetShowsPhaseEngineAndProgress(t *testing.T) {
	ctx := envtest.Context(t)
	ns := newNamespace(t)
	obj := workflowFromYAML(t, ns, `steps: [{name: a, actionType: x/y}, {name: b, actionType: x/y, runAfter: [a]}]`)
	if err := env.Client.Create(ctx, obj); err != nil {
		t.Fatal(err)
	}
	if err := unstructured.SetNestedMap(obj.Object, map[string]any{
		"phase": "Running", "engine": "jobs", "progress": "1/2",
	}, "status"); err != nil {
		t.Fatal(err)
	}
	if err := env.Client.Status().Update(ctx, obj); err != nil {
		t.Fatalf("update status: %v", err)
	}
	table := getTable(t, fmt.Sprintf("/apis/%s/namespaces/%s/workflowexecutions", workflowv1alpha1.GroupVersion, ns))
	var names []string
	for _, c := range table.ColumnDefinitions {
		if c.Priority == 0 {
			names = append(names, c.Name)
		}
	}
	if diff := cmp.Diff([]string{"Name", "Phase", "Engine", "Steps", "Age"}, names); diff != "" {
		t.Errorf("columns of kubectl get wfe (-want +got):\n%s", diff)
	}
	if len(table.Rows) != 1 {
		t.Fatalf("got %d rows, want 1", len(table.Rows))
	}
	cells := fmt.Sprint(table.Rows[0].Cells)
	for _, want := range []string{"Running", "jobs", "1/2"} {
		if !strings.Contains(cells, want) {
			t.Errorf("row %s lacks %q", cells, want)
		}
	}
}

// workflowFromYAML builds a WorkflowExecution in ns from the YAML of its spec, as unstructured, so
// that invalid values reach the API server unchanged by Go types.
func workflowFromYAML(t *testing.T, ns, spec string) *unstructured.Unstructured {
	t.Helper()
	var s map[string]any
	if err := yaml.Unmarshal([]byte(spec), &s); err != nil {
		t.Fatalf("test spec: %v", err)
	}
	obj := &unstructured.Unstructured{Object: map[string]any{"spec": s}}
	obj.SetAPIVersion(workflowv1alpha1.GroupVersion.String())
	obj.SetKind(workflowv1alpha1.WorkflowExecutionKind)
	obj.SetNamespace(ns)
	obj.SetGenerateName("wfe-")
	return obj
}

// Files whose WorkflowExecution examples users copy: they must stay valid as the API evolves.
var workflowDocs = []string{
	filepath.Join("..", "..", "docs", "spec", "v1alpha1", "workflowexecutions.md"),
	filepath.Join("..", "..", "README.md"),
}

func TestWorkflowExecution_documentedExamplesAreAcceptedByTheAPIServer(t *testing.T) {
	ns := newNamespace(t)
	found := 0
	for _, path := range append(workflowDocs, filepath.Join("..", "..", "hack", "demo", "remediation.yaml")) {
		blocks := [][]string{{"", readFile(t, path)}}
		if filepath.Ext(path) == ".md" {
			blocks = yamlBlock.FindAllStringSubmatch(readFile(t, path), -1)
		}
		for i, m := range blocks {
			var obj unstructured.Unstructured
			if err := yaml.Unmarshal([]byte(m[1]), &obj.Object); err != nil || obj.GetKind() != workflowv1alpha1.WorkflowExecutionKind {
				continue
			}
			found++
			t.Run(fmt.Sprintf("%s block %d", filepath.Base(path), i+1), func(t *testing.T) {
				obj.SetNamespace(ns)
				if err := env.Client.Create(envtest.Context(t), &obj, client.DryRunAll); err != nil {
					t.Errorf("the API server rejects it: %v", err)
				}
			})
		}
	}
	if found < 3 {
		t.Fatalf("found %d WorkflowExecution examples in %v, want at least one per file", found, workflowDocs)
	}
}
