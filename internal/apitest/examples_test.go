package apitest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/testutil/envtest"
)

// Files whose ActionExecution examples users copy: they must stay valid as the API evolves.
var (
	samplePath  = filepath.Join("..", "..", "config", "samples", "actionexecution.yaml")
	specDocPath = filepath.Join("..", "..", "docs", "spec", "v1alpha1", "actionexecutions.md")
)

// yamlBlock matches a fenced YAML block of a Markdown document.
var yamlBlock = regexp.MustCompile("(?s)```yaml\n(.*?)```")

func TestSampleAndDocumentedExamplesAreAcceptedByTheAPIServer(t *testing.T) {
	ns := newNamespace(t)
	examples := map[string]string{"the sample": readFile(t, samplePath)}
	doc := readFile(t, specDocPath)
	for i, m := range yamlBlock.FindAllStringSubmatch(doc, -1) {
		var head struct{ Kind string }
		if err := yaml.Unmarshal([]byte(m[1]), &head); err == nil && head.Kind == executionv1alpha1.ActionExecutionKind {
			examples[fmt.Sprintf("YAML block %d of the spec doc", i+1)] = m[1]
		}
	}
	if len(examples) < 2 {
		t.Fatalf("found %d examples, want the sample and at least one complete example in the spec doc", len(examples))
	}
	for name, manifest := range examples {
		t.Run(name, func(t *testing.T) {
			var obj unstructured.Unstructured
			if err := yaml.Unmarshal([]byte(manifest), &obj.Object); err != nil {
				t.Fatalf("parse: %v", err)
			}
			obj.SetNamespace(ns)
			if err := env.Client.Create(envtest.Context(t), &obj, client.DryRunAll); err != nil {
				t.Errorf("the API server rejects it: %v", err)
			}
		})
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return string(b)
}
