package apitest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/testutil/envtest"
)

// actionExecutionCRD is the name of the installed CustomResourceDefinition.
const actionExecutionCRD = "actionexecutions.execution.kubernaut.ai"

// tableColumn is what `kubectl get` learns about a column: its name and whether it is shown only
// with -o wide (priority > 0).
type tableColumn struct {
	Name string
	Wide bool
}

func TestActionExecution_kubectlGetShowsTheActionPhaseAndReason(t *testing.T) {
	ctx := envtest.Context(t)
	obj := newActionExecution(newNamespace(t))
	if err := env.Client.Create(ctx, obj); err != nil {
		t.Fatalf("create: %v", err)
	}
	obj.Status = succeededStatus(obj.Generation)
	if err := env.Client.Status().Update(ctx, obj); err != nil {
		t.Fatalf("update status: %v", err)
	}

	table := getTable(t, fmt.Sprintf("/apis/%s/namespaces/%s/actionexecutions", executionv1alpha1.GroupVersion, obj.Namespace))
	var gotColumns []tableColumn
	for _, c := range table.ColumnDefinitions {
		gotColumns = append(gotColumns, tableColumn{Name: c.Name, Wide: c.Priority > 0})
	}
	wantColumns := []tableColumn{
		{Name: "Name"}, {Name: "Action"}, {Name: "Phase"}, {Name: "Reason"},
		{Name: "Digest", Wide: true}, {Name: "Job", Wide: true}, {Name: "Age"},
	}
	if diff := cmp.Diff(wantColumns, gotColumns); diff != "" {
		t.Errorf("columns of kubectl get ae (-want +got):\n%s", diff)
	}
	if len(table.Rows) != 1 {
		t.Fatalf("got %d rows, want 1", len(table.Rows))
	}
	// Age is left out: it is computed from the creation time at the moment of the request.
	gotCells := table.Rows[0].Cells[:len(table.Rows[0].Cells)-1]
	wantCells := []any{
		obj.Name, "kubernetes/scale_deployment", "Succeeded", "Succeeded",
		obj.Status.VerifiedDigest, obj.Status.JobRef.Name,
	}
	if diff := cmp.Diff(wantCells, gotCells); diff != "" {
		t.Errorf("row of kubectl get ae (-want +got):\n%s", diff)
	}
}

// getTable asks the API server for path rendered as a Table, as kubectl get does.
func getTable(t *testing.T, path string) *metav1.Table {
	t.Helper()
	httpClient, err := rest.HTTPClientFor(env.Config)
	if err != nil {
		t.Fatalf("http client: %v", err)
	}
	// Host may carry a path prefix and a trailing slash, so join rather than concatenate.
	u, err := url.JoinPath(env.Config.Host, path)
	if err != nil {
		t.Fatalf("URL for %s: %v", path, err)
	}
	req, err := http.NewRequestWithContext(envtest.Context(t), http.MethodGet, u, nil)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	req.Header.Set("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s (host %q): %s: %s", u, env.Config.Host, resp.Status, body)
	}
	var table metav1.Table
	if err := json.NewDecoder(resp.Body).Decode(&table); err != nil {
		t.Fatalf("decode table: %v", err)
	}
	return &table
}

func TestActionExecution_everySpecFieldHasAnImmutabilityRule(t *testing.T) {
	var crd apiextensionsv1.CustomResourceDefinition
	if err := env.Client.Get(envtest.Context(t), client.ObjectKey{Name: actionExecutionCRD}, &crd); err != nil {
		t.Fatalf("get CRD: %v", err)
	}
	spec := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"]
	specRules := ruleTexts(spec.XValidations)
	required := map[string]bool{}
	for _, r := range spec.Required {
		required[r] = true
	}
	for _, field := range jsonFieldNames(reflect.TypeFor[executionv1alpha1.ActionExecutionSpec]()) {
		prop, ok := spec.Properties[field]
		if !ok {
			t.Errorf("spec.%s is missing from the CRD schema: run make manifests", field)
			continue
		}
		if !hasTransitionRule(prop.XValidations, field+" is immutable") {
			t.Errorf("spec.%s has no transition rule (oldSelf) with message %q", field, field+" is immutable")
		}
		presence := fmt.Sprintf("has(self.%s) == has(oldSelf.%s)", field, field)
		if !required[field] && prop.Default == nil && !strings.Contains(specRules, presence) {
			t.Errorf("optional spec.%s can be added or removed: the spec's rule lacks %q", field, presence)
		}
	}
}

// jsonFieldNames returns the JSON names of a struct's fields.
func jsonFieldNames(typ reflect.Type) []string {
	var names []string
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		names = append(names, name)
	}
	return names
}

// ruleTexts joins the CEL rules of a schema node.
func ruleTexts(rules apiextensionsv1.ValidationRules) string {
	var texts []string
	for _, r := range rules {
		texts = append(texts, r.Rule)
	}
	return strings.Join(texts, "\n")
}

// hasTransitionRule reports whether one of rules compares with oldSelf and has a message starting
// with msg.
func hasTransitionRule(rules apiextensionsv1.ValidationRules, msg string) bool {
	for _, r := range rules {
		if strings.Contains(r.Rule, "oldSelf") && strings.HasPrefix(r.Message, msg) {
			return true
		}
	}
	return false
}
