package policycontroller_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

const (
	// rootModule marks the repository root.
	rootModule = "github.com/kubernaut/kubernaut"
	// policyControllerModule is the module whose CRDs and API the policies are checked against;
	// its version is the one this module's go.mod requires.
	policyControllerModule = "github.com/sigstore/policy-controller"
)

// The two installable policies: the keyless one (default) and the key-based variant.
var policyDirs = []string{"config/policy-controller", "config/policy-controller/key"}

// repoRoot returns the repository root: the nearest directory above the working directory
// (which `go test` sets to this package) whose go.mod declares the root module. This module is
// passed over because its module path differs.
func repoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if module, err := modulePath(filepath.Join(d, "go.mod")); err == nil && module == rootModule {
			return d, nil
		} else if err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod of module %s at or above %s", rootModule, wd)
		}
	}
}

// modulePath reads the module directive of a go.mod file.
func modulePath(goMod string) (string, error) {
	f, err := os.Open(goMod)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	return "", sc.Err()
}

// moduleDir returns the directory of module (at the version this module requires) in the module
// cache, downloading it through the Go module proxy when it is not there yet. Nothing is copied
// into the repository.
func moduleDir(module string) (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", module)
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var info struct{ Dir, Version, Error string }
	if jsonErr := json.Unmarshal(out, &info); jsonErr != nil && err == nil {
		err = jsonErr
	}
	switch {
	case info.Error != "":
		return "", fmt.Errorf("go mod download %s: %s", module, info.Error)
	case err != nil:
		return "", fmt.Errorf("go mod download %s: %w: %s", module, err, stderr.String())
	case info.Dir == "":
		return "", fmt.Errorf("go mod download %s reported no directory", module)
	}
	return info.Dir, nil
}

// kubectlPath is the kubectl that `make test-tools` builds; it renders the kustomizations.
func kubectlPath(root string) (string, error) {
	path := filepath.Join(root, "bin", "k8s", "kubectl")
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("kubectl missing (run `make test-tools`): %w", err)
	}
	return path, nil
}

// render returns the objects `kubectl kustomize DIR` produces for dir (relative to the
// repository root): exactly what `kubectl apply -k DIR` would send.
func render(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	kubectl, err := kubectlPath(root)
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(kubectl, "kustomize", filepath.Join(root, dir))
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v: %s", dir, err, stderr.String())
	}
	objs, err := decodeObjects(out)
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v", dir, err)
	}
	if len(objs) == 0 {
		t.Fatalf("kubectl kustomize %s rendered nothing", dir)
	}
	return objs
}

// decodeObjects splits a multi-document YAML stream into objects.
func decodeObjects(stream []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(stream), 4096)
	var objs []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return objs, nil
		} else if err != nil {
			return nil, err
		}
		if m != nil {
			objs = append(objs, &unstructured.Unstructured{Object: m})
		}
	}
}

// policiesIn returns the ClusterImagePolicies among objs.
func policiesIn(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == "ClusterImagePolicy" {
			out = append(out, o)
		}
	}
	return out
}

// onlyPolicy returns the single ClusterImagePolicy that dir renders.
func onlyPolicy(t *testing.T, dir string) *unstructured.Unstructured {
	t.Helper()
	cips := policiesIn(render(t, dir))
	if len(cips) != 1 {
		t.Fatalf("%s renders %d ClusterImagePolicies, want exactly 1", dir, len(cips))
	}
	return cips[0]
}

// mutated returns a deep copy of obj changed by set, which edits the object's map directly: a
// broken copy for a negative test.
func mutated(obj *unstructured.Unstructured, set func(m map[string]any)) *unstructured.Unstructured {
	c := obj.DeepCopy()
	set(c.Object)
	return c
}

// at walks a path of map keys and slice indexes in a decoded object, for mutations in tests.
func at(m map[string]any, path ...any) map[string]any {
	var cur any = m
	for _, p := range path {
		switch k := p.(type) {
		case string:
			cur = cur.(map[string]any)[k]
		case int:
			cur = cur.([]any)[k]
		}
	}
	return cur.(map[string]any)
}
