package tekton

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"knative.dev/pkg/apis"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionjob"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

func TestTheCommittedMetaTaskIsGeneratedFromTheGoDefinition(t *testing.T) {
	committed, err := os.ReadFile(filepath.Join("..", "..", "config", "tekton", "kubernaut-action.yaml"))
	if err != nil {
		t.Fatalf("reading the committed meta-Task (run `go run ./hack/gen-tekton`): %v", err)
	}
	generated, err := MetaTaskYAML()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(generated), string(committed)); diff != "" {
		t.Errorf("config/tekton/kubernaut-action.yaml is stale; run `go run ./hack/gen-tekton` (-generated +committed):\n%s", diff)
	}
}

func TestTheMetaTaskPassesTektonValidationWithTheDefaultFeatureFlags(t *testing.T) {
	ctx := apis.WithinCreate(defaultsContext(t))
	task := MetaTask("payments")
	task.SetDefaults(ctx)
	if err := task.Validate(ctx); err != nil {
		t.Errorf("Tekton refuses the meta-Task: %v", err)
	}
}

func TestTheMetaTaskNamesItsCommandAndUsesNoAlphaFeature(t *testing.T) {
	spec := MetaTaskSpec()
	if len(spec.Steps) != 1 {
		t.Fatalf("%d steps, want 1", len(spec.Steps))
	}
	s := spec.Steps[0]
	if diff := cmp.Diff([]string{"/action-entrypoint"}, s.Command); diff != "" {
		t.Errorf("command (-want +got):\n%s", diff)
	}
	if s.StdoutConfig != nil || s.StderrConfig != nil || s.Script != "" {
		t.Errorf("the step uses stdoutConfig, stderrConfig or script: %+v", s)
	}
	wantEnv := []corev1.EnvVar{
		{Name: "ACTION_INPUTS", Value: "$(params.inputs)"},
		{Name: "ACTION_UPSTREAM_OUTPUTS", Value: "$(params.upstream)"},
		{Name: "ACTION_RESULTS_DIR", Value: "/tekton/results"},
	}
	if diff := cmp.Diff(wantEnv, s.Env); diff != "" {
		t.Errorf("env (-want +got):\n%s", diff)
	}
	if got := spec.Params[2]; got.Name != ParamUpstream || got.Default == nil || got.Default.StringVal != "{}" {
		t.Errorf("upstream param %+v, want the default {}", got)
	}
}

// TestTheMetaTaskRunsWithTheJobEnginesSecurityContext compares with the Job that
// internal/actionjob builds for a contract without a security context: the same container
// context (user and group move to the pod, set per step), the same pod context and /tmp.
func TestTheMetaTaskRunsWithTheJobEnginesSecurityContext(t *testing.T) {
	c, err := contract.Parse([]byte("apiVersion: kubernaut.ai/v1alpha1\nkind: ActionContract\n" +
		"metadata: {name: echo, version: v0.1.0}\nspec:\n  rbac: {permissions: []}\n"))
	if err != nil {
		t.Fatal(err)
	}
	ae := &executionv1alpha1.ActionExecution{ObjectMeta: metav1.ObjectMeta{Name: "echo", Namespace: "payments", UID: testUID}}
	job, err := actionjob.BuildJob(ae, c, digest("echo"), []byte("{}"), "")
	if err != nil {
		t.Fatal(err)
	}
	jobPod := job.Spec.Template.Spec
	jobContainer := jobPod.Containers[0]
	wantContainer := jobContainer.SecurityContext.DeepCopy()
	wantContainer.RunAsUser, wantContainer.RunAsGroup = nil, nil
	step := MetaTaskSpec().Steps[0]
	if diff := cmp.Diff(wantContainer, step.SecurityContext); diff != "" {
		t.Errorf("container security context (-job +meta-Task):\n%s", diff)
	}
	if diff := cmp.Diff(jobContainer.VolumeMounts, step.VolumeMounts); diff != "" {
		t.Errorf("volume mounts (-job +meta-Task):\n%s", diff)
	}
	if diff := cmp.Diff(jobPod.Volumes, []corev1.Volume(MetaTaskSpec().Volumes)); diff != "" {
		t.Errorf("volumes (-job +meta-Task):\n%s", diff)
	}
	template := taskRunSpec(&Step{Name: "echo"}).PodTemplate
	wantPod := jobPod.SecurityContext.DeepCopy()
	wantPod.RunAsUser, wantPod.RunAsGroup = jobContainer.SecurityContext.RunAsUser, jobContainer.SecurityContext.RunAsGroup
	if diff := cmp.Diff(wantPod, template.SecurityContext); diff != "" {
		t.Errorf("pod security context (-job with the container's user +taskRunSpecs):\n%s", diff)
	}
	if diff := cmp.Diff(jobPod.AutomountServiceAccountToken, template.AutomountServiceAccountToken); diff != "" {
		t.Errorf("automountServiceAccountToken without a ServiceAccount (-job +taskRunSpecs):\n%s", diff)
	}
	if diff := cmp.Diff(jobPod.EnableServiceLinks, template.EnableServiceLinks); diff != "" {
		t.Errorf("enableServiceLinks (-job +taskRunSpecs):\n%s", diff)
	}
}
