package tekton

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tektoncd/pipeline/pkg/apis/config"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"knative.dev/pkg/apis"
)

const testUID = types.UID("0b6d2a5e-3f41-4c1e-9a57-2d7c8e9f1a20")

// digest returns a verified image reference for repository.
func digest(repository string) string {
	return "registry.local:5000/actions/" + repository + "@sha256:" + strings.Repeat("ab", 32)
}

// limits are contract resources as actionjob.Resources returns them: limits always set.
func limits() corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
	}
}

// owner is the controller reference to the test WorkflowExecution.
func owner(name string) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion: "workflowexecution.kubernaut.ai/v1alpha1", Kind: "WorkflowExecution", Name: name, UID: testUID,
		Controller: new(true), BlockOwnerDeletion: new(true),
	}
}

// workflow is a valid Workflow named name running steps.
func workflow(name string, steps ...Step) Workflow {
	return Workflow{
		Name: name, Namespace: "payments", UID: testUID, Owner: owner(name),
		Labels:  map[string]string{"kubernaut.ai/workflow": name},
		Steps:   steps,
		Timeout: 30 * time.Minute,
	}
}

// step is a valid Step with defaults the controller would fill in.
func step(name string, inputs string, runAfter ...string) Step {
	s := Step{Name: name, RunAfter: runAfter, Image: digest(name), Resources: limits(), Timeout: 5 * time.Minute}
	if inputs != "" {
		s.Inputs = []byte(inputs)
	}
	return s
}

// defaultsContext is the context Tekton's webhook validates with on a default install:
// enable-api-fields "beta", results from the termination message.
func defaultsContext(t testing.TB) context.Context {
	t.Helper()
	flags, err := config.NewFeatureFlagsFromMap(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if flags.EnableAPIFields != config.BetaAPIFields {
		t.Fatalf("the default enable-api-fields is %q, want %q", flags.EnableAPIFields, config.BetaAPIFields)
	}
	defaults, err := config.NewDefaultsFromMap(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	return config.ToContext(t.Context(), &config.Config{FeatureFlags: flags, Defaults: defaults})
}

// tektonValidation runs what Tekton's admission webhooks run on create: defaulting, then
// validation, with the default feature flags.
func tektonValidation(t testing.TB, pr *pipelinev1.PipelineRun) error {
	t.Helper()
	ctx := apis.WithinCreate(defaultsContext(t))
	defaulted := pr.DeepCopy()
	defaulted.SetDefaults(ctx)
	if err := defaulted.Validate(ctx); err != nil {
		return err
	}
	return nil
}

// mustPassTektonValidation fails the test when Tekton's webhook would refuse pr.
func mustPassTektonValidation(t testing.TB, pr *pipelinev1.PipelineRun) {
	t.Helper()
	if err := tektonValidation(t, pr); err != nil {
		t.Errorf("Tekton refuses PipelineRun %s: %v", pr.Name, err)
	}
}
