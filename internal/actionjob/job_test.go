package actionjob

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

func TestBuildJobForARepresentativeContract(t *testing.T) {
	ae := newAE("scale-payments", func(ae *executionv1alpha1.ActionExecution) {
		ae.Spec.Workspace = &executionv1alpha1.WorkspaceVolume{ClaimName: "wf-workspace"}
		ae.Spec.Timeout = &metav1.Duration{Duration: 90 * time.Second}
	})
	inputs := []byte(`{"deployment":"payment-service","replicas":10}`)
	got, err := BuildJob(ae, loadContract(t, "scale-deployment.yaml"), testDigestRef, inputs, "scale-payments-action",
		WithContractPath("/etc/kubernaut/contract.yaml"), WithImagePullSecrets("regcred"))
	if err != nil {
		t.Fatalf("BuildJob: %v", err)
	}
	labels := map[string]string{
		"app.kubernetes.io/managed-by":  "kubernaut",
		"kubernaut.ai/action-execution": "scale-payments",
		"kubernaut.ai/action-type":      "kubernetes.scale_deployment",
	}
	want := &batchv1.Job{
		TypeMeta: metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{
			Name: "scale-payments", Namespace: "payments", Labels: labels,
			OwnerReferences: []metav1.OwnerReference{wantOwner("scale-payments")},
		},
		Spec: batchv1.JobSpec{
			BackoffLimit:          ptr.To[int32](0),
			ActiveDeadlineSeconds: ptr.To[int64](90),
			PodFailurePolicy: &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{
				Action:          batchv1.PodFailurePolicyActionIgnore,
				OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: "DisruptionTarget", Status: "True"}},
			}}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					RestartPolicy:      corev1.RestartPolicyNever,
					ServiceAccountName: "scale-payments-action",
					EnableServiceLinks: ptr.To(false),
					DNSPolicy:          corev1.DNSClusterFirst,
					ImagePullSecrets:   []corev1.LocalObjectReference{{Name: "regcred"}},
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:        ptr.To(true),
						SeccompProfile:      &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
						FSGroup:             ptr.To[int64](3000),
						FSGroupChangePolicy: ptr.To(corev1.FSGroupChangeOnRootMismatch),
					},
					Volumes: []corev1.Volume{
						{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr.To(resource.MustParse("128Mi"))}}},
						{Name: "workspace", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "wf-workspace"}}},
					},
					Containers: []corev1.Container{representativeContainer()},
				},
			},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Job (-want +got):\n%s", diff)
	}
}

// representativeContainer is the container BuildJob must build for scale-deployment.yaml with a
// workspace and a custom contract path.
func representativeContainer() corev1.Container {
	return corev1.Container{
		Name:            "action",
		Image:           testDigestRef,
		ImagePullPolicy: corev1.PullIfNotPresent,
		Env: []corev1.EnvVar{
			{Name: "ACTION_INPUTS", Value: `{"deployment":"payment-service","replicas":10}`},
			{Name: "ACTION_OUTPUTS_PATH", Value: "/dev/termination-log"},
			{Name: "ACTION_CONTRACT_PATH", Value: "/etc/kubernaut/contract.yaml"},
		},
		Resources: corev1.ResourceRequirements{
			Limits: corev1.ResourceList{
				"cpu": resource.MustParse("1"), "memory": resource.MustParse("128Mi"), "ephemeral-storage": resource.MustParse("1Gi"),
			},
			Requests: corev1.ResourceList{"cpu": resource.MustParse("100m"), "memory": resource.MustParse("64Mi")},
		},
		VolumeMounts: []corev1.VolumeMount{
			{Name: "tmp", MountPath: "/tmp"},
			{Name: "workspace", MountPath: "/workspace"},
		},
		TerminationMessagePath:   "/dev/termination-log",
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr.To(false),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			ReadOnlyRootFilesystem:   ptr.To(true),
			RunAsNonRoot:             ptr.To(true),
			RunAsUser:                ptr.To[int64](1000),
			RunAsGroup:               ptr.To[int64](3000),
		},
	}
}

func TestBuildJobForAMinimalContractWithoutPermissions(t *testing.T) {
	got, err := BuildJob(newAE("echo"), loadContract(t, "minimal.yaml"), testDigestRef, []byte(`{}`), "")
	if err != nil {
		t.Fatalf("BuildJob: %v", err)
	}
	pod := got.Spec.Template.Spec
	checks := []struct {
		name      string
		got, want any
	}{
		{"no ServiceAccount is named", pod.ServiceAccountName, ""},
		{"no API token is mounted", pod.AutomountServiceAccountToken, ptr.To(false)},
		{"the timeout becomes the deadline", got.Spec.ActiveDeadlineSeconds, ptr.To[int64](300)},
		{"the default user runs the action", pod.Containers[0].SecurityContext.RunAsUser, ptr.To(DefaultRunAsUser)},
		{"the default group runs the action", pod.Containers[0].SecurityContext.RunAsGroup, ptr.To(DefaultRunAsUser)},
		{"without a workspace there is no fsGroup", pod.SecurityContext.FSGroup, (*int64)(nil)},
		{"only /tmp is mounted", pod.Containers[0].VolumeMounts, []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}}},
		{"the default contract path is not repeated in the environment", len(pod.Containers[0].Env), 2},
		{"no pull secrets are invented", pod.ImagePullSecrets, []corev1.LocalObjectReference(nil)},
		{"no toleration: cordoned nodes are off limits", pod.Tolerations, []corev1.Toleration(nil)},
		{"default limits and requests apply", pod.Containers[0].Resources, corev1.ResourceRequirements{
			Limits:   corev1.ResourceList{"cpu": resource.MustParse("500m"), "memory": resource.MustParse("256Mi")},
			Requests: corev1.ResourceList{"cpu": resource.MustParse("50m"), "memory": resource.MustParse("64Mi")},
		}},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}

// TestBuildJobKeepsTheD5Baseline checks each security setting of DESIGN D5 on its own, for a
// contract that tightens the baseline and one that says nothing, so that a failure names the
// setting that regressed.
func TestBuildJobKeepsTheD5Baseline(t *testing.T) {
	for _, file := range []string{"scale-deployment.yaml", "minimal.yaml"} {
		job, err := BuildJob(newAE("run"), loadContract(t, file), testDigestRef, []byte(`{}`), "")
		if err != nil {
			t.Fatalf("%s: BuildJob: %v", file, err)
		}
		pod := job.Spec.Template.Spec
		ctr := pod.Containers[0]
		for name, ok := range map[string]bool{
			"the pod runs as non-root":                   ptr.Deref(pod.SecurityContext.RunAsNonRoot, false),
			"the container runs as non-root":             ptr.Deref(ctr.SecurityContext.RunAsNonRoot, false),
			"the user is not root":                       ptr.Deref(ctr.SecurityContext.RunAsUser, 0) != 0,
			"seccomp is RuntimeDefault":                  pod.SecurityContext.SeccompProfile.Type == corev1.SeccompProfileTypeRuntimeDefault,
			"privilege escalation is off":                !ptr.Deref(ctr.SecurityContext.AllowPrivilegeEscalation, true),
			"all capabilities are dropped":               cmp.Equal(ctr.SecurityContext.Capabilities, &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}),
			"the root filesystem is read-only":           ptr.Deref(ctr.SecurityContext.ReadOnlyRootFilesystem, false),
			"the container is not privileged":            ctr.SecurityContext.Privileged == nil,
			"no host namespace is shared":                !pod.HostNetwork && !pod.HostPID && !pod.HostIPC,
			"no hostPath volume exists":                  noHostPath(pod.Volumes),
			"/tmp is a size-capped emptyDir":             pod.Volumes[0].EmptyDir != nil && pod.Volumes[0].EmptyDir.SizeLimit != nil,
			"the CPU limit is set":                       !ctr.Resources.Limits.Cpu().IsZero(),
			"the memory limit is set":                    !ctr.Resources.Limits.Memory().IsZero(),
			"the image is the verified digest":           ctr.Image == testDigestRef,
			"the Job never retries a failure":            ptr.Deref(job.Spec.BackoffLimit, -1) == 0,
			"the pod never restarts":                     pod.RestartPolicy == corev1.RestartPolicyNever,
			"the Job has a deadline":                     job.Spec.ActiveDeadlineSeconds != nil,
			"finished Jobs are not reaped by a TTL":      job.Spec.TTLSecondsAfterFinished == nil,
			"the ActionExecution controls the Job":       metav1.IsControlledBy(job, newAE("run")),
			"logs back the message of a failed action":   ctr.TerminationMessagePolicy == corev1.TerminationMessageFallbackToLogsOnError,
			"the SDK writes outputs to the message file": envValue(ctr.Env, "ACTION_OUTPUTS_PATH") == ctr.TerminationMessagePath,
		} {
			if !ok {
				t.Errorf("%s: %s: not so", file, name)
			}
		}
	}
}

func noHostPath(volumes []corev1.Volume) bool {
	for _, v := range volumes {
		if v.HostPath != nil {
			return false
		}
	}
	return true
}

func envValue(env []corev1.EnvVar, name string) string {
	for _, e := range env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func TestBuildJobRoundsTheTimeoutUpToWholeSeconds(t *testing.T) {
	for _, tt := range []struct {
		name    string
		timeout *metav1.Duration
		want    int64
	}{
		{"a missing timeout is the 5m default", nil, 300},
		{"whole seconds stay", &metav1.Duration{Duration: 90 * time.Second}, 90},
		{"a fraction of a second rounds up", &metav1.Duration{Duration: 1500 * time.Millisecond}, 2},
		{"less than a second is one second", &metav1.Duration{Duration: 10 * time.Millisecond}, 1},
		{"the 24h maximum is exact", &metav1.Duration{Duration: 24 * time.Hour}, 86400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ae := newAE("t", func(ae *executionv1alpha1.ActionExecution) { ae.Spec.Timeout = tt.timeout })
			job, err := BuildJob(ae, loadContract(t, "minimal.yaml"), testDigestRef, []byte(`{}`), "")
			if err != nil {
				t.Fatal(err)
			}
			if got := *job.Spec.ActiveDeadlineSeconds; got != tt.want {
				t.Errorf("activeDeadlineSeconds = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestResourcesAlwaysHaveLimits(t *testing.T) {
	q := resource.MustParse
	for _, tt := range []struct {
		name string
		in   contract.Resources
		want corev1.ResourceRequirements
	}{
		{"nothing set gets the defaults", contract.Resources{}, corev1.ResourceRequirements{
			Limits:   corev1.ResourceList{"cpu": q("500m"), "memory": q("256Mi")},
			Requests: corev1.ResourceList{"cpu": q("50m"), "memory": q("64Mi")},
		}},
		{"a request above the default limit raises the limit to it",
			contract.Resources{Requests: map[string]string{"cpu": "2", "memory": "1Gi"}}, corev1.ResourceRequirements{
				Limits:   corev1.ResourceList{"cpu": q("2"), "memory": q("1Gi")},
				Requests: corev1.ResourceList{"cpu": q("2"), "memory": q("1Gi")},
			}},
		{"a request below the default limit keeps the default limit",
			contract.Resources{Requests: map[string]string{"memory": "32Mi"}}, corev1.ResourceRequirements{
				Limits:   corev1.ResourceList{"cpu": q("500m"), "memory": q("256Mi")},
				Requests: corev1.ResourceList{"cpu": q("50m"), "memory": q("32Mi")},
			}},
		{"a limit alone leaves the request to Kubernetes",
			contract.Resources{Limits: map[string]string{"cpu": "250m"}}, corev1.ResourceRequirements{
				Limits:   corev1.ResourceList{"cpu": q("250m"), "memory": q("256Mi")},
				Requests: corev1.ResourceList{"memory": q("64Mi")},
			}},
		{"ephemeral storage is only what the contract says",
			contract.Resources{Limits: map[string]string{"ephemeral-storage": "1G"}}, corev1.ResourceRequirements{
				Limits:   corev1.ResourceList{"cpu": q("500m"), "memory": q("256Mi"), "ephemeral-storage": q("1G")},
				Requests: corev1.ResourceList{"cpu": q("50m"), "memory": q("64Mi")},
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resources(&contract.ActionContract{Spec: contract.Spec{Resources: tt.in}})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("resources (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBuildJobRefusesAQuantityKubernetesCannotParse(t *testing.T) {
	c := &contract.ActionContract{Spec: contract.Spec{Resources: contract.Resources{Limits: map[string]string{"memory": "lots"}}}}
	_, err := BuildJob(newAE("q"), c, testDigestRef, []byte(`{}`), "")
	if reason, _ := ReasonOf(err); reason != executionv1alpha1.ContractInvalidReason {
		t.Fatalf("BuildJob error = %v with reason %q, want reason %s", err, reason, executionv1alpha1.ContractInvalidReason)
	}
	if want := `spec.resources.limits.memory: "lots" is not a Kubernetes quantity`; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %q", err, want)
	}
}

func TestBuildJobToleratesTheCordonWhenTheContractAsks(t *testing.T) {
	c := loadContract(t, "minimal.yaml")
	c.Spec.Scheduling = &contract.Scheduling{TolerateCordonedNodes: true}
	got, err := BuildJob(newAE("uncordon"), c, testDigestRef, []byte(`{}`), "")
	if err != nil {
		t.Fatalf("BuildJob: %v", err)
	}
	want := []corev1.Toleration{{Key: "node.kubernetes.io/unschedulable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
	if diff := cmp.Diff(want, got.Spec.Template.Spec.Tolerations); diff != "" {
		t.Errorf("tolerations (-want +got):\n%s", diff)
	}
}
