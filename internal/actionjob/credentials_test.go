package actionjob

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
)

func TestBuildJobMountsEachCredentialReadOnlyUnderItsName(t *testing.T) {
	ae := newAE("clone", func(ae *executionv1alpha1.ActionExecution) {
		ae.Spec.Credentials = map[string]executionv1alpha1.SecretName{"registry": "regcred-rw", "git": "git-creds"}
	})
	job, err := BuildJob(ae, loadContract(t, "scale-deployment.yaml"), testDigestRef, []byte(`{}`), "")
	if err != nil {
		t.Fatalf("BuildJob: %v", err)
	}
	pod := job.Spec.Template.Spec
	wantVolumes := []corev1.Volume{
		pod.Volumes[0], // tmp, checked by TestBuildJobForARepresentativeContract
		{Name: "credential-0", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: "git-creds", DefaultMode: ptr.To[int32](0o440)}}},
		{Name: "credential-1", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: "regcred-rw", DefaultMode: ptr.To[int32](0o440)}}},
	}
	if diff := cmp.Diff(wantVolumes, pod.Volumes); diff != "" {
		t.Errorf("volumes (-want +got):\n%s", diff)
	}
	wantMounts := []corev1.VolumeMount{
		{Name: "tmp", MountPath: "/tmp"},
		{Name: "credential-0", MountPath: "/var/run/secrets/kubernaut/git", ReadOnly: true},
		{Name: "credential-1", MountPath: "/var/run/secrets/kubernaut/registry", ReadOnly: true},
	}
	if diff := cmp.Diff(wantMounts, pod.Containers[0].VolumeMounts); diff != "" {
		t.Errorf("mounts (-want +got):\n%s", diff)
	}
	// The files are 0440 root:<fsGroup>; fsGroup is the action's group, so it can read them.
	if got, want := ptr.Deref(pod.SecurityContext.FSGroup, -1), ptr.Deref(pod.Containers[0].SecurityContext.RunAsGroup, -2); got != want {
		t.Errorf("fsGroup = %d, want the action's group %d", got, want)
	}
	for _, env := range pod.Containers[0].Env {
		if env.ValueFrom != nil {
			t.Errorf("env %s takes a value from %v; credentials are files only", env.Name, env.ValueFrom)
		}
	}
}

func TestCredentialVolumesOfNoCredentialsAreNone(t *testing.T) {
	volumes, mounts := CredentialVolumes(nil)
	if volumes != nil || mounts != nil {
		t.Errorf("CredentialVolumes(nil) = %v, %v; want nothing", volumes, mounts)
	}
	job, err := BuildJob(newAE("plain"), loadContract(t, "scale-deployment.yaml"), testDigestRef, []byte(`{}`), "")
	if err != nil {
		t.Fatalf("BuildJob: %v", err)
	}
	if fsGroup := job.Spec.Template.Spec.SecurityContext.FSGroup; fsGroup != nil {
		t.Errorf("a run without workspace or credentials got fsGroup %d", *fsGroup)
	}
}
