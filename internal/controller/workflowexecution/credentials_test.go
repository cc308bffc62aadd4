package workflowexecution_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// gitCredentials binds the git actions' credential to the Secret git-creds.
var gitCredentials = map[string]workflowv1alpha1.SecretName{"git": "git-creds"}

func TestWorkflowExecution_passesTheStepCredentialsToTheChild(t *testing.T) {
	h := newHarness(t, "credentials")
	h.start(t)
	clone := step("clone", "")
	clone.Credentials = gitCredentials
	wfe := newWorkflow(h.ns, "credentials", clone, step("plain", ""))
	create(t, wfe)
	g := NewWithT(t)
	g.Expect(waitForChild(t, wfe, "clone", 1).Spec.Credentials).To(Equal(map[string]executionv1alpha1.SecretName{"git": "git-creds"}))
	g.Expect(waitForChild(t, wfe, "plain", 1).Spec.Credentials).To(BeNil())
}

func TestTektonEngine_mountsThePreparedCredentialsInThePipelineRun(t *testing.T) {
	h := newHarness(t, "tekton-credentials")
	h.tekton = true
	h.start(t)
	clone := step("clone", `{}`)
	clone.Credentials = gitCredentials
	wfe := tektonWorkflow(h.ns, "tk", clone)
	create(t, wfe)

	preparation := waitForPreparation(t, wfe, "clone")
	NewWithT(t).Expect(preparation.Spec.Credentials).To(Equal(map[string]executionv1alpha1.SecretName{"git": "git-creds"}),
		"the preparation checks the bindings against the contract")
	prepareWithCredentials(t, preparation, map[string]executionv1alpha1.SecretName{"git": "git-creds"})
	pr := waitForPipelineRun(t, wfe)

	task := pr.Spec.PipelineSpec.Tasks[0].TaskSpec.TaskSpec
	var secrets []string
	for _, v := range task.Volumes {
		if v.Secret != nil {
			secrets = append(secrets, v.Secret.SecretName)
		}
	}
	NewWithT(t).Expect(secrets).To(Equal([]string{"git-creds"}), "the step's Task mounts the prepared Secret, nothing else")
	var mounts []corev1.VolumeMount
	for _, m := range task.Steps[0].VolumeMounts {
		if m.ReadOnly {
			mounts = append(mounts, m)
		}
	}
	want := []corev1.VolumeMount{{Name: "credential-0", MountPath: "/var/run/secrets/kubernaut/git", ReadOnly: true}}
	if diff := cmp.Diff(want, mounts); diff != "" {
		t.Errorf("read-only mounts of the action's step (-want +got):\n%s", diff)
	}
}

// prepareWithCredentials plays the ActionExecution controller as prepare does, in one status
// write, with the checked credentials in the prepared block.
func prepareWithCredentials(t testing.TB, ae *executionv1alpha1.ActionExecution, credentials map[string]executionv1alpha1.SecretName) {
	t.Helper()
	writeChildStatus(t, ae, func(s *executionv1alpha1.ActionExecutionStatus) {
		s.ObservedGeneration = 1
		s.Phase = executionv1alpha1.PhasePrepared
		s.VerifiedDigest, s.Signer = testDigest, testSigner.DeepCopy()
		s.Contract = &executionv1alpha1.ContractReference{Name: "clone-test", Version: "v1.0.0"}
		s.Prepared = &executionv1alpha1.PreparedLaunch{
			Image: preparedImage, Inputs: &runtime.RawExtension{Raw: []byte(`{}`)}, Credentials: credentials,
			Resources: corev1.ResourceRequirements{
				Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
			},
		}
		s.Conditions = []metav1.Condition{readyCondition(metav1.ConditionTrue, executionv1alpha1.PreparedReason, "Verified and prepared", epoch)}
	})
}
