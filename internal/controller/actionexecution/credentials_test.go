package actionexecution_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
)

// credentialsContract declares an optional and a required credential and no permissions.
const credentialsContract = `apiVersion: kubernaut.ai/v1alpha1
kind: ActionContract
metadata:
  name: push-test
  version: v1.0.0
spec:
  resources:
    limits: {cpu: 100m, memory: 32Mi}
  credentials:
    - name: git
      description: username and password, or token
    - name: signing
      required: true
`

// credentialsSetup is a control plane whose registry maps test/push to a signed image of
// credentialsContract, in namespaces that each hold the Secrets git-creds and signing-key.
func credentialsSetup(t *testing.T, namespaces int) (*controlPlane, []string, string) {
	t.Helper()
	key := newSigner(t)
	ref := pushAction(t, registrytest.Start(t), "actions/push", credentialsContract)
	key.sign(t, ref)
	var nss []string
	for range namespaces {
		ns := newNamespace(t, "credentials")
		for _, name := range []string{"git-creds", "signing-key"} {
			create(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
				StringData: map[string]string{"token": "never-read-by-the-controller"}})
		}
		nss = append(nss, ns)
	}
	cp := newControlPlane(t, key.publicPEM, nss...)
	cp.writeRegistry(t, registryEntry{actionType: "test/push", image: ref.String()})
	return cp, nss, ref.String()
}

func withCredentials(ae *executionv1alpha1.ActionExecution, bound map[string]executionv1alpha1.SecretName) *executionv1alpha1.ActionExecution {
	ae.Spec.Credentials = bound
	return ae
}

func TestActionExecution_mountsEachCredentialReadOnlyInTheJob(t *testing.T) {
	cp, nss, _ := credentialsSetup(t, 1)
	cp.startManager(t)
	ae := withCredentials(newActionExecution(nss[0], "test/push", ""),
		map[string]executionv1alpha1.SecretName{"git": "git-creds", "signing": "signing-key"})
	create(t, ae)
	waitForPhase(t, ae, executionv1alpha1.PhaseRunning)
	pod := jobOf(t, ae).Spec.Template.Spec

	secretVolume := func(name, secret string) corev1.Volume {
		return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: secret, DefaultMode: ptr.To[int32](0o440)}}}
	}
	if diff := cmp.Diff([]corev1.Volume{secretVolume("credential-0", "git-creds"), secretVolume("credential-1", "signing-key")},
		pod.Volumes[1:]); diff != "" {
		t.Errorf("volumes after tmp (-want +got):\n%s", diff)
	}
	wantMounts := []corev1.VolumeMount{
		{Name: "tmp", MountPath: "/tmp"},
		{Name: "credential-0", MountPath: "/var/run/secrets/kubernaut/git", ReadOnly: true},
		{Name: "credential-1", MountPath: "/var/run/secrets/kubernaut/signing", ReadOnly: true},
	}
	if diff := cmp.Diff(wantMounts, pod.Containers[0].VolumeMounts); diff != "" {
		t.Errorf("mounts (-want +got):\n%s", diff)
	}
	g := NewWithT(t)
	g.Expect(pod.SecurityContext.FSGroup).To(Equal(pod.Containers[0].SecurityContext.RunAsGroup),
		"fsGroup is the action's group, which reads the 0440 files")
	for _, e := range pod.Containers[0].Env {
		g.Expect(e.Value).NotTo(ContainSubstring("never-read"), "no credential in the environment")
		g.Expect(e.ValueFrom).To(BeNil(), "credentials are files only")
	}
}

func TestActionExecution_refusesCredentialsTheContractDoesNotAllow(t *testing.T) {
	cases := []struct {
		name      string
		bound     map[string]executionv1alpha1.SecretName
		wantInMsg string
	}{
		{"an undeclared credential is refused as InvalidInputs", map[string]executionv1alpha1.SecretName{
			"signing": "signing-key", "gitlab": "git-creds"}, `spec.credentials.gitlab: contract push-test v1.0.0 declares no credential "gitlab"`},
		{"a missing required credential is refused as InvalidInputs", map[string]executionv1alpha1.SecretName{
			"git": "git-creds"}, "spec.credentials.signing: required by contract push-test v1.0.0"},
	}
	cp, nss, _ := credentialsSetup(t, len(cases))
	cp.startManager(t)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			ae := withCredentials(newActionExecution(nss[i], "test/push", ""), tc.bound)
			create(t, ae)
			failed := waitForPhase(t, ae, executionv1alpha1.PhaseFailed)
			step := condition(failed, executionv1alpha1.JobCreatedCondition)
			g.Expect(step).To(And(HaveField("Status", metav1.ConditionFalse), HaveField("Reason", executionv1alpha1.InvalidInputsReason)))
			g.Expect(step.Message).To(ContainSubstring(tc.wantInMsg))
			g.Expect(readyReason(failed)).To(Equal(executionv1alpha1.InvalidInputsReason))
			assertNothingCreated(t, nss[i])
		})
	}
}

func TestActionExecution_waitsForAMissingCredentialSecretAndGoesOnWhenItAppears(t *testing.T) {
	cp, nss, _ := credentialsSetup(t, 1)
	cp.startManager(t)
	ae := withCredentials(newActionExecution(nss[0], "test/push", ""),
		map[string]executionv1alpha1.SecretName{"signing": "signing-key-v2"})
	create(t, ae)
	g := NewWithT(t)
	g.Eventually(func(g Gomega) {
		got := fetch(g, ae)
		g.Expect(got.Status.Phase).To(Equal(executionv1alpha1.PhaseVerifying))
		g.Expect(condition(got, executionv1alpha1.ReadyCondition).Message).To(And(
			ContainSubstring(nss[0]+"/signing-key-v2"), ContainSubstring("spec.credentials.signing"), ContainSubstring("waits")))
	}, eventually, poll).Should(Succeed())
	assertNothingCreated(t, nss[0])

	create(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: nss[0], Name: "signing-key-v2"}})
	waitForPhase(t, ae, executionv1alpha1.PhaseRunning)
}

func TestActionExecution_tektonEnginePreparesTheCredentials(t *testing.T) {
	cp, nss, image := credentialsSetup(t, 1)
	cp.startManager(t)
	bound := map[string]executionv1alpha1.SecretName{"git": "git-creds", "signing": "signing-key"}
	ae := withCredentials(newTektonRun(nss[0], "test/push", ""), bound)
	create(t, ae)
	prepared := waitForPhase(t, ae, executionv1alpha1.PhasePrepared).Status.Prepared
	g := NewWithT(t)
	g.Expect(prepared.Image).To(Equal(image))
	g.Expect(prepared.Credentials).To(Equal(bound))
}
