package workflowexecution_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionjob"
	"github.com/kubernaut/kubernaut/internal/actionregistry"
	"github.com/kubernaut/kubernaut/internal/image"
	"github.com/kubernaut/kubernaut/internal/manager"
	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
	"github.com/kubernaut/kubernaut/internal/signing"
)

// scaleContract declares a required string input, an integer input with a default, and an
// integer output: the second step's replicas come from the first step's output, so the
// ActionExecution controller's contract validation proves that the reference kept the type.
const scaleContract = `apiVersion: kubernaut.ai/v1alpha1
kind: ActionContract
metadata:
  name: scale-test
  version: v1.2.3
spec:
  inputs:
    - name: deployment
      type: string
      required: true
    - name: replicas
      type: integer
      default: 3
      minimum: 0
  outputs:
    - name: previousReplicas
      type: integer
  resources:
    requests: {cpu: 10m, memory: 16Mi}
    limits: {cpu: 100m, memory: 32Mi}
  rbac:
    permissions:
      - apiGroups: [apps]
        resources: [deployments]
        verbs: [get, patch]
`

func TestWorkflowExecution_runsOnTheRealActionExecutionControllerAcrossARestart(t *testing.T) {
	g := NewWithT(t)
	cp := newFullStack(t)
	stopFirst := cp.startManager(t)
	wfe := newWorkflow(cp.runs, "fullstack",
		step("scale", `{"deployment":"web"}`),
		step("restore", `{"deployment":"web","replicas":"$(steps.scale.outputs.previousReplicas)"}`, "scale"))
	create(t, wfe)

	scale := waitForChild(t, wfe, "scale", 1)
	finishJob(t, jobOf(t, scale), `{"previousReplicas":2}`)
	restore := waitForChild(t, wfe, "restore", 1)
	restoreJob := jobOf(t, restore)
	t.Run("the verified, defaulted inputs of the second Job hold the first step's output as an integer", func(t *testing.T) {
		NewWithT(t).Expect(containerEnv(restoreJob, "ACTION_INPUTS")).To(MatchJSON(`{"deployment":"web","replicas":2}`))
	})

	// Restart once the ActionExecution controller has recorded the launch: it records the
	// verified digest only in the reconcile that creates the Job, so a restart between the two
	// would leave the digest unrecorded (its behaviour, reported; not the workflow's).
	g.Eventually(func(g Gomega) {
		got := &executionv1alpha1.ActionExecution{}
		g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(restore), got)).To(Succeed())
		g.Expect(got.Status.Phase).To(Equal(executionv1alpha1.PhaseRunning))
	}, eventually, poll).Should(Succeed())
	stopFirst()
	cp.startManager(t)
	finishJob(t, restoreJob, `{"previousReplicas":5}`)
	done := waitForPhase(t, wfe, workflowv1alpha1.WorkflowCompleted)

	t.Run("each step records the digest and signer the ActionExecution controller verified", func(t *testing.T) {
		g := NewWithT(t)
		for _, name := range []string{"scale", "restore"} {
			st := done.Status.StepStatus(name)
			g.Expect(st.VerifiedDigest).To(Equal(cp.digest.DigestStr()), "%s: %+v", name, *st)
			g.Expect(st.Signer).To(HaveField("KeyID", cp.keyID), name)
			g.Expect(st.Contract).To(Equal(&executionv1alpha1.ContractReference{Name: "scale-test", Version: "v1.2.3"}), name)
		}
		g.Expect(string(done.Status.StepStatus("restore").Outputs.Raw)).To(MatchJSON(`{"previousReplicas":5}`))
	})
	var jobs batchv1.JobList
	g.Expect(env.Client.List(context.Background(), &jobs, client.InNamespace(cp.runs))).To(Succeed())
	g.Expect(jobs.Items).To(HaveLen(2), "one Job per step, none created again after the restart")
	g.Expect(children(t, wfe)).To(HaveLen(2))
}

// fullStack is a control plane for both controllers: the controller's namespace with the
// action registry, trust in a signing key, the ceiling ClusterRole, a signed action image in an
// in-process registry, and the namespace the workflows run in.
type fullStack struct {
	namespace, runs, ceiling string
	digest                   name.Digest
	keyID                    string
}

func newFullStack(t *testing.T) *fullStack {
	t.Helper()
	kp, err := signing.GenerateKeyPair(nil)
	if err != nil {
		t.Fatalf("generate key pair: %v", err)
	}
	priv, err := signing.LoadPrivateKey(kp.PrivatePEM, nil)
	if err != nil {
		t.Fatalf("load private key: %v", err)
	}
	pub, err := signing.LoadPublicKey(kp.PublicPEM)
	if err != nil {
		t.Fatalf("load public key: %v", err)
	}
	cp := &fullStack{namespace: newNamespace(t, "kubernaut"), runs: newRestrictedNamespace(t, "runs"), keyID: signing.KeyID(pub)}
	cp.digest = pushAction(t, registrytest.Start(t), "actions/scale", scaleContract)
	if _, err := signing.Sign(context.Background(), cp.digest, priv, signing.Options{}); err != nil {
		t.Fatalf("sign %s: %v", cp.digest, err)
	}
	cp.ceiling = "ceiling-" + cp.namespace
	create(t, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: cp.ceiling}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"get", "list", "watch", "patch"}},
	}})
	create(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: cp.namespace, Name: "cosign-pub"},
		Data:       map[string][]byte{actionregistry.DefaultPublicKeyKey: kp.PublicPEM},
	})
	create(t, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: cp.namespace, Name: actionregistry.ConfigMapName},
		Data: map[string]string{
			actionregistry.RegistryKey: fmt.Sprintf("test/scale:\n  image: %s\n", cp.digest),
			actionregistry.TrustKey:    "keys:\n- secretRef: {name: cosign-pub}\ntlog: disabled\n",
		},
	})
	return cp
}

// startManager starts the real manager wiring (internal/manager: both controllers and the
// settings controller) and stops it when the test ends or when the returned function is called.
func (cp *fullStack) startManager(t *testing.T) (stop func()) {
	t.Helper()
	opts := manager.DefaultOptions()
	opts.Namespace, opts.WatchNamespaces, opts.CeilingClusterRole = cp.namespace, []string{cp.runs}, cp.ceiling
	opts.MetricsBindAddress, opts.HealthProbeBindAddress = "0", "0"
	opts.LeaderElect, opts.SkipControllerNameValidation = false, true
	mgr, err := manager.New(context.Background(), env.Config, opts)
	if err != nil {
		t.Fatalf("create manager: %v", err)
	}
	return run(t, mgr)
}

// newRestrictedNamespace creates a namespace enforcing the restricted Pod Security profile, as
// config/default's does: the pods the test creates from the controller's Job templates are
// admitted only if they satisfy it.
func newRestrictedNamespace(t testing.TB, prefix string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		GenerateName: prefix + "-",
		Labels:       map[string]string{"pod-security.kubernetes.io/enforce": "restricted"},
	}}
	create(t, ns)
	return ns.Name
}

// pushAction builds an action image with the real builder from contractYAML and a stand-in
// entrypoint (envtest has no kubelet, so it never runs), pushes it to reg and returns its digest.
func pushAction(t testing.TB, reg *registrytest.Registry, repo, contractYAML string) name.Digest {
	t.Helper()
	dir := t.TempDir()
	contractFile, entrypoint := filepath.Join(dir, "action-contract.yaml"), filepath.Join(dir, "entrypoint")
	if err := os.WriteFile(contractFile, []byte(contractYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(entrypoint, []byte("#!/bin/sh\necho '{}'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	img, err := image.Build(ctx, image.BuildOptions{EntrypointFile: entrypoint, ContractFile: contractFile})
	if err != nil {
		t.Fatalf("build action image: %v", err)
	}
	tag, err := name.NewTag(reg.Host + "/" + repo + ":v1")
	if err != nil {
		t.Fatal(err)
	}
	ref, err := image.Push(ctx, img, tag)
	if err != nil {
		t.Fatalf("push %s: %v", tag, err)
	}
	return ref
}

// jobOf waits for the ActionExecution's Job and returns it.
func jobOf(t testing.TB, ae *executionv1alpha1.ActionExecution) *batchv1.Job {
	t.Helper()
	job := &batchv1.Job{}
	key := client.ObjectKey{Namespace: ae.Namespace, Name: actionjob.JobName(ae)}
	NewWithT(t).Eventually(func() error { return env.Client.Get(context.Background(), key, job) }, eventually, poll).Should(Succeed())
	return job
}

// finishJob plays the Job controller and the kubelet, which envtest lacks: it creates the Job's
// pod, marks it Succeeded with the action's outputs as its termination message, and marks the
// Job Complete.
func finishJob(t testing.TB, job *batchv1.Job, outputs string) {
	t.Helper()
	ctx := context.Background()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: job.Namespace, GenerateName: job.Name + "-", Labels: job.Spec.Template.Labels,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(job, batchv1.SchemeGroupVersion.WithKind("Job"))},
		},
		Spec: *job.Spec.Template.Spec.DeepCopy(),
	}
	pod.Spec.NodeName = "envtest-node"
	create(t, pod)
	now := metav1.Now()
	pod.Status = corev1.PodStatus{Phase: corev1.PodSucceeded, ContainerStatuses: []corev1.ContainerStatus{{
		Name: pod.Spec.Containers[0].Name, Image: pod.Spec.Containers[0].Image,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Message: outputs, StartedAt: now, FinishedAt: now}},
	}}}
	if err := env.Client.Status().Update(ctx, pod); err != nil {
		t.Fatalf("write pod status: %v", err)
	}
	job.Status.StartTime, job.Status.CompletionTime, job.Status.Succeeded = &now, &now, 1
	job.Status.Conditions = []batchv1.JobCondition{
		{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, Reason: "CompletionsReached", LastProbeTime: now, LastTransitionTime: now},
		{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, Reason: "CompletionsReached", LastProbeTime: now, LastTransitionTime: now},
	}
	if err := env.Client.Status().Update(ctx, job); err != nil {
		t.Fatalf("write Job status: %v", err)
	}
}

// containerEnv returns the value of the Job container's environment variable.
func containerEnv(job *batchv1.Job, name string) string {
	for _, e := range job.Spec.Template.Spec.Containers[0].Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}
