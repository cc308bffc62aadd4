package tekton

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// TestAStepMountsItsCredentialsReadOnlyAsTheJobDoes checks the GitOps workflow with git
// credentials on clone and push: those two tasks embed the meta-Task plus one secret volume and
// its read-only mount, their pods get the action's group as fsGroup, and the others embed the
// meta-Task unchanged. Tekton's own defaulting and validation accept the result.
func TestAStepMountsItsCredentialsReadOnlyAsTheJobDoes(t *testing.T) {
	w := gitOpsWorkflow()
	w.Steps[0].Credentials = map[string]string{"git": "git-creds"}
	w.Steps[3].Credentials = map[string]string{"git": "git-creds", "forge": "forge-token"}
	got, err := PipelineRun(w)
	if err != nil {
		t.Fatalf("PipelineRun: %v", err)
	}

	want := wantGitOpsRun()
	secret := func(volume, name string) corev1.Volume {
		return corev1.Volume{Name: volume, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: name, DefaultMode: ptr.To[int32](0o440)}}}
	}
	mount := func(volume, credential string) corev1.VolumeMount {
		return corev1.VolumeMount{Name: volume, MountPath: "/var/run/secrets/kubernaut/" + credential, ReadOnly: true}
	}
	clone := &want.Spec.PipelineSpec.Tasks[0].TaskSpec.TaskSpec
	clone.Volumes = append(clone.Volumes, secret("credential-0", "git-creds"))
	clone.Steps[0].VolumeMounts = append(clone.Steps[0].VolumeMounts, mount("credential-0", "git"))
	push := &want.Spec.PipelineSpec.Tasks[3].TaskSpec.TaskSpec
	push.Volumes = append(push.Volumes, secret("credential-0", "forge-token"), secret("credential-1", "git-creds"))
	push.Steps[0].VolumeMounts = append(push.Steps[0].VolumeMounts, mount("credential-0", "forge"), mount("credential-1", "git"))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PipelineRun (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(MetaTaskSpec(), got.Spec.PipelineSpec.Tasks[1].TaskSpec.TaskSpec); diff != "" {
		t.Errorf("a step without credentials must embed the meta-Task unchanged (-want +got):\n%s", diff)
	}
	mustPassTektonValidation(t, got)
}

func TestCredentialsWithoutAWorkspaceSetTheFSGroup(t *testing.T) {
	s := step("notify", "")
	s.Credentials = map[string]string{"webhook": "webhook-url"}
	got, err := PipelineRun(workflow("wf", s))
	if err != nil {
		t.Fatalf("PipelineRun: %v", err)
	}
	want := withWorkspaceGroup(wantTaskRunSpec("notify"))
	if diff := cmp.Diff([]pipelinev1.PipelineTaskRunSpec{want}, got.Spec.TaskRunSpecs); diff != "" {
		t.Errorf("taskRunSpecs (-want +got):\n%s", diff)
	}
	mustPassTektonValidation(t, got)
}

func TestInvalidCredentialBindingsAreRefusedNamingTheField(t *testing.T) {
	tests := []struct {
		name  string
		bound map[string]string
		want  string
	}{
		{"a credential name that is no DNS label", map[string]string{"../git": "git-creds"}, `steps[0].credentials["../git"]: credential name "../git"`},
		{"an empty Secret name", map[string]string{"git": ""}, `steps[0].credentials["git"]: Secret name ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			s := step("a", "")
			s.Credentials = tt.bound
			_, err := PipelineRun(workflow("wf", s))
			if !errors.Is(err, ErrInvalidWorkflow) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want ErrInvalidWorkflow containing %q", err, tt.want)
			}
		})
	}
}
