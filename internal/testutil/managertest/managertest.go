// Package managertest starts the real control plane that the tests of the manager and its
// controllers share: kube-apiserver and etcd from bin/k8s, the manager's scheme, Kubernaut's
// CRDs and, when a package asks, Tekton's.
package managertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/kubernaut/kubernaut/internal/manager"
	"github.com/kubernaut/kubernaut/internal/testutil/envtest"
)

// Main discards the controllers' logs (they would bury the test output; failures carry the
// status instead), starts the control plane with Kubernaut's CRDs and extraCRDs, stores it in
// *env, runs the tests and stops it. It returns the exit code for os.Exit.
func Main(m *testing.M, env **envtest.Environment, extraCRDs ...string) int {
	ctrl.SetLogger(logr.Discard())
	scheme, err := manager.NewScheme()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: scheme:", err)
		return 1
	}
	root, err := envtest.RepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL:", err)
		return 1
	}
	return envtest.Main(m, envtest.Options{
		CRDDirectoryPaths: append([]string{filepath.Join(root, "config", "crd", "bases")}, extraCRDs...),
		Scheme:            scheme,
	}, env)
}

// TektonCRDs returns the PipelineRun and TaskRun CRDs of the Tekton module this build uses, or
// exits the test binary with the reason when they cannot be found: tests that need Tekton's
// kinds must not run without them.
func TektonCRDs() []string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/tektoncd/pipeline").Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: finding the Tekton module's CRDs (go list -m github.com/tektoncd/pipeline):", err)
		os.Exit(1)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "config", "300-crds")
	return []string{filepath.Join(dir, "300-pipelinerun.yaml"), filepath.Join(dir, "300-taskrun.yaml")}
}
