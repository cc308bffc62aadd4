package actionexecution_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionjob"
	"github.com/kubernaut/kubernaut/internal/actionregistry"
	"github.com/kubernaut/kubernaut/internal/manager"
	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
)

// The credentials of the private registry the tests in this file pull from.
const (
	registryUser     = "kubernaut-puller"
	registryPassword = "pull-only-token"
)

// noPermissionsContract runs without a ServiceAccount of its own: its pod runs as the
// namespace's default account, without a token.
const noPermissionsContract = `apiVersion: kubernaut.ai/v1alpha1
kind: ActionContract
metadata:
  name: no-permissions-test
  version: v0.0.1
spec:
  resources:
    limits: {cpu: 100m, memory: 32Mi}
  rbac:
    permissions: []
`

// privateSetup is a control plane whose action registry maps test/scale (a contract with
// permissions, so the run gets its own ServiceAccount) and test/noperm (none, so the pod runs as
// the default ServiceAccount) to signed images in a registry that answers only to registryUser.
type privateSetup struct {
	cp       *controlPlane
	ns       string
	registry string // host:port
	images   map[string]string
}

func newPrivateSetup(t *testing.T, cp *controlPlane, ns string, key *signer) *privateSetup {
	t.Helper()
	// The controller's own keychain reads the docker config; an empty one keeps a developer's
	// credentials out of the test.
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	reg := registrytest.Start(t, registrytest.WithBasicAuth(registryUser, registryPassword))
	auth := remote.WithAuth(&authn.Basic{Username: registryUser, Password: registryPassword})
	s := &privateSetup{cp: cp, ns: ns, registry: reg.Host, images: map[string]string{}}
	var entries []registryEntry
	for actionType, contractYAML := range map[string]string{"test/scale": scaleContract, "test/noperm": noPermissionsContract} {
		ref := pushAction(t, reg, "private/"+actionType, contractYAML, auth)
		key.sign(t, ref, auth)
		s.images[actionType] = ref.String()
		entries = append(entries, registryEntry{actionType: actionType, image: ref.String()})
	}
	cp.writeRegistry(t, entries...)
	return s
}

// newPrivateAction prepares a private registry and a control plane of its own for one test.
func newPrivateAction(t *testing.T, nsPrefix string) *privateSetup {
	t.Helper()
	key := newSigner(t)
	ns := newNamespace(t, nsPrefix)
	return newPrivateSetup(t, newControlPlane(t, key.publicPEM, ns), ns, key)
}

// pullSecret is a kubernetes.io/dockerconfigjson Secret holding user and password for host.
func pullSecret(ns, name, host, user, password string) *corev1.Secret {
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Type:       corev1.SecretTypeDockerConfigJson,
		Data: map[string][]byte{
			corev1.DockerConfigJsonKey: fmt.Appendf(nil, `{"auths":{%q:{"auth":%q}}}`, host, auth),
		},
	}
}

// serviceAccount is a ServiceAccount listing secrets as its imagePullSecrets. envtest runs no
// controller that creates a namespace's default ServiceAccount, so the tests create it.
func serviceAccount(ns, name string, secrets ...string) *corev1.ServiceAccount {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	for _, s := range secrets {
		sa.ImagePullSecrets = append(sa.ImagePullSecrets, corev1.LocalObjectReference{Name: s})
	}
	return sa
}

// assertRunsWithPullSecrets waits for ae to run and checks that it verified and read the
// contract of the private image, and that its Job's pod runs as wantServiceAccount listing
// exactly wantSecrets: the kubelet pulls with a pod's own imagePullSecrets (the ServiceAccount
// admission plugin adds the account's only to a pod that lists none).
func assertRunsWithPullSecrets(t *testing.T, ae *executionv1alpha1.ActionExecution, image, wantServiceAccount string, wantSecrets ...string) {
	t.Helper()
	g := NewWithT(t)
	running := waitForPhase(t, ae, executionv1alpha1.PhaseRunning)
	g.Expect(running.Status.VerifiedDigest).To(Equal(digestOf(image)))
	g.Expect(condition(running, executionv1alpha1.ContractLoadedCondition)).To(HaveField("Status", metav1.ConditionTrue))
	pod := jobOf(t, running).Spec.Template.Spec
	g.Expect(pod.ServiceAccountName).To(Equal(wantServiceAccount))
	want := make([]corev1.LocalObjectReference, 0, len(wantSecrets))
	for _, s := range wantSecrets {
		want = append(want, corev1.LocalObjectReference{Name: s})
	}
	if diff := cmp.Diff(want, pod.ImagePullSecrets); diff != "" {
		t.Errorf("imagePullSecrets of the Job's pod (-want +got):\n%s", diff)
	}
}

// assertWaits waits until ae reports a transient error whose message contains every one of
// parts, and checks that the run is still waiting, not failed, and that it has no Job.
func assertWaits(t *testing.T, ae *executionv1alpha1.ActionExecution, parts ...string) {
	t.Helper()
	g := NewWithT(t)
	g.Eventually(func(g Gomega) {
		got := fetch(g, ae)
		g.Expect(got.Status.Phase).To(Equal(executionv1alpha1.PhaseVerifying), "status: %+v", got.Status)
		ready := condition(got, executionv1alpha1.ReadyCondition)
		g.Expect(ready).NotTo(BeNil())
		g.Expect(ready.Status).To(Equal(metav1.ConditionUnknown))
		for _, p := range parts {
			g.Expect(ready.Message).To(ContainSubstring(p))
		}
	}, eventually, poll).Should(Succeed())
	key := client.ObjectKey{Namespace: ae.Namespace, Name: actionjob.JobName(ae)}
	err := env.Client.Get(context.Background(), key, &batchv1.Job{})
	g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "no Job for a run that could not read its image: %v", err)
}

func TestActionExecution_readsAPrivateImageWithThePullSecretsOfTheDefaultServiceAccount(t *testing.T) {
	s := newPrivateAction(t, "private")
	create(t, pullSecret(s.ns, "regcred", s.registry, registryUser, registryPassword))
	create(t, serviceAccount(s.ns, "default", "regcred"))
	s.cp.startManager(t)

	t.Run("a run with permissions gets its own ServiceAccount and the default one's pull secrets", func(t *testing.T) {
		ae := newActionExecution(s.ns, "test/scale", `{"deployment":"web"}`)
		create(t, ae)
		assertRunsWithPullSecrets(t, ae, s.images["test/scale"], actionjob.RBACName(ae), "regcred")
	})
	t.Run("a run without permissions runs as the default ServiceAccount with its pull secrets", func(t *testing.T) {
		ae := newActionExecution(s.ns, "test/noperm", "")
		create(t, ae)
		assertRunsWithPullSecrets(t, ae, s.images["test/noperm"], "", "regcred")
	})
}

func TestActionExecution_waitsWhenTheRegistryRefusesItsCredentials(t *testing.T) {
	s := newPrivateAction(t, "nocreds")
	create(t, serviceAccount(s.ns, "default"))
	s.cp.startManager(t)

	ae := newActionExecution(s.ns, "test/scale", `{"deployment":"web"}`)
	create(t, ae)
	assertWaits(t, ae, "UNAUTHORIZED", "ServiceAccount "+s.ns+"/default has no image pull secrets")
	got := fetch(NewWithT(t), ae)
	NewWithT(t).Expect(condition(got, executionv1alpha1.VerifiedCondition)).To(BeNil(),
		"a registry that cannot be read gives no verdict on the signature")
}

func TestActionExecution_waitsForAMissingPullSecretAndGoesOnWhenItAppears(t *testing.T) {
	s := newPrivateAction(t, "missing")
	create(t, serviceAccount(s.ns, "default", "regcred"))
	s.cp.startManager(t)

	ae := newActionExecution(s.ns, "test/scale", `{"deployment":"web"}`)
	create(t, ae)
	assertWaits(t, ae, `image pull secret "regcred", listed by ServiceAccount `+s.ns+"/default, does not exist")

	// No watch covers Secrets outside the controller's namespace; the run's retry finds it.
	create(t, pullSecret(s.ns, "regcred", s.registry, registryUser, registryPassword))
	assertRunsWithPullSecrets(t, ae, s.images["test/scale"], actionjob.RBACName(ae), "regcred")
}

func TestActionExecution_readsThePrivateImageWithThePullSecretsOfThePreCreatedServiceAccount(t *testing.T) {
	s := newPrivateAction(t, "named")
	// The default account's secret is a decoy with a wrong password: had it been used, the
	// registry would refuse the run.
	create(t, pullSecret(s.ns, "decoy", s.registry, registryUser, "wrong-password"))
	create(t, serviceAccount(s.ns, "default", "decoy"))
	create(t, pullSecret(s.ns, "scaler-cred", s.registry, registryUser, registryPassword))
	create(t, serviceAccount(s.ns, "scaler", "scaler-cred"))
	// Each case reads an image of its own, so that neither is served from the verifier's cache.
	scale, noperm := s.images["test/scale"], s.images["test/noperm"]
	s.cp.writeRegistryData(t, map[string]string{
		actionregistry.RegistryKey: fmt.Sprintf("test/scale:\n  image: %s\ntest/noperm-as-scaler:\n  image: %s\n  serviceAccountName: scaler\n", scale, noperm),
		actionregistry.TrustKey:    "keys:\n- secretRef: {name: cosign-pub}\ntlog: disabled\n",
	})
	s.cp.startManager(t)

	t.Run("spec.serviceAccountName names it", func(t *testing.T) {
		ae := newActionExecution(s.ns, "test/scale", `{"deployment":"web"}`)
		ae.Spec.ServiceAccountName = "scaler"
		create(t, ae)
		assertRunsWithPullSecrets(t, ae, scale, "scaler", "scaler-cred")
	})
	t.Run("the registry entry names it", func(t *testing.T) {
		ae := newActionExecution(s.ns, "test/noperm-as-scaler", "")
		create(t, ae)
		assertRunsWithPullSecrets(t, ae, noperm, "scaler", "scaler-cred")
	})
}

func TestActionExecution_waitsForAMissingServiceAccountNamedBySpec(t *testing.T) {
	s := newPrivateAction(t, "nosa")
	s.cp.startManager(t)

	ae := newActionExecution(s.ns, "test/scale", `{"deployment":"web"}`)
	ae.Spec.ServiceAccountName = "scaler"
	create(t, ae)
	assertWaits(t, ae, "ServiceAccount "+s.ns+"/scaler, named by spec.serviceAccountName, does not exist")
}

// TestActionExecution_readsPullSecretsWithOnlyTheShippedRBAC runs the manager as its own
// ServiceAccount holding nothing but config/rbac: getting a run's pull secrets by name must be
// allowed without list or watch on Secrets.
func TestActionExecution_readsPullSecretsWithOnlyTheShippedRBAC(t *testing.T) {
	applyShippedRBAC(t)
	key := newSigner(t)
	upsert(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: shippedNamespace, Name: "cosign-pub"},
		Data:       map[string][]byte{"cosign.pub": key.publicPEM},
	})
	ns := newNamespace(t, "shipped-private")
	cp := &controlPlane{namespace: shippedNamespace, watch: []string{ns}, ceiling: manager.DefaultCeilingClusterRole}
	s := newPrivateSetup(t, cp, ns, key)
	create(t, pullSecret(ns, "regcred", s.registry, registryUser, registryPassword))
	create(t, serviceAccount(ns, "default", "regcred"))
	cp.startManagerAs(t, shippedServiceAccount)

	ae := newActionExecution(ns, "test/scale", `{"deployment":"web"}`)
	create(t, ae)
	assertRunsWithPullSecrets(t, ae, s.images["test/scale"], actionjob.RBACName(ae), "regcred")
}
