package actionexecution_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionjob"
	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
	"github.com/kubernaut/kubernaut/internal/signing"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

// actionSetup is a control plane trusting key and a signed action image; newScaleSetup also maps
// test/scale to that image in its action registry.
type actionSetup struct {
	cp    *controlPlane
	ns    string
	image string
	key   *signer
}

func newScaleSetup(t *testing.T) *actionSetup {
	t.Helper()
	s := newSignedAction(t, "run", "actions/scale", scaleContract)
	s.cp.writeRegistry(t, registryEntry{actionType: "test/scale", image: s.image})
	return s
}

// newSignedAction pushes an action image built from contractYAML to a fresh registry, signs it
// with a new key and prepares a control plane trusting that key in a namespace named after
// nsPrefix. The action registry is left unwritten, so that tests can write it correctly or not.
func newSignedAction(t *testing.T, nsPrefix, repo, contractYAML string) *actionSetup {
	t.Helper()
	key := newSigner(t)
	ref := pushAction(t, registrytest.Start(t), repo, contractYAML)
	key.sign(t, ref)
	ns := newNamespace(t, nsPrefix)
	return &actionSetup{cp: newControlPlane(t, key.publicPEM, ns), ns: ns, image: ref.String(), key: key}
}

func TestActionExecution_runsTheVerifiedDigestAsAJobAndRecordsItsOutputs(t *testing.T) {
	g := NewWithT(t)
	s := newScaleSetup(t)
	s.cp.startManager(t)

	ae := newActionExecution(s.ns, "test/scale", `{"deployment":"web"}`)
	create(t, ae)
	running := waitForPhase(t, ae, executionv1alpha1.PhaseRunning)
	job := jobOf(t, ae)

	t.Run("the Job is exactly what actionjob builds from the verified digest and the defaulted inputs", func(t *testing.T) {
		assertJobSpec(t, running, job, s.image, `{"deployment":"web","replicas":3}`)
	})
	t.Run("the status records what was verified and launched", func(t *testing.T) {
		g := NewWithT(t)
		pub, err := signing.LoadPublicKey(s.key.publicPEM)
		g.Expect(err).NotTo(HaveOccurred())
		want := executionv1alpha1.ActionExecutionStatus{
			ObservedGeneration: 1,
			Phase:              executionv1alpha1.PhaseRunning,
			VerifiedDigest:     digestOf(s.image),
			Signer:             &executionv1alpha1.Signer{Format: executionv1alpha1.SignatureFormatBundle, KeyID: signing.KeyID(pub)},
			Contract:           &executionv1alpha1.ContractReference{Name: "scale-test", Version: "v1.2.3"},
			JobRef:             &executionv1alpha1.JobReference{Name: job.Name},
		}
		got := running.Status.DeepCopy()
		g.Expect(got.StartTime).NotTo(BeNil())
		got.StartTime, got.Conditions = nil, nil
		if diff := cmp.Diff(want, *got); diff != "" {
			t.Errorf("status (-want +got):\n%s", diff)
		}
		for _, c := range []string{executionv1alpha1.VerifiedCondition, executionv1alpha1.ContractLoadedCondition, executionv1alpha1.JobCreatedCondition} {
			g.Expect(condition(running, c)).To(HaveField("Status", metav1.ConditionTrue), c)
		}
		g.Expect(condition(running, executionv1alpha1.ReadyCondition)).To(And(
			HaveField("Status", metav1.ConditionUnknown), HaveField("Reason", executionv1alpha1.RunningReason)))
	})
	t.Run("the ServiceAccount, Role and RoleBinding exist and are owned by the run", func(t *testing.T) {
		assertOwnedRBAC(t, running)
	})

	finishPod(t, job, corev1.PodSucceeded, 0, `{"previousReplicas":2}`)
	completeJob(t, job)
	done := waitForPhase(t, ae, executionv1alpha1.PhaseSucceeded)
	g.Expect(string(done.Status.Outputs.Raw)).To(MatchJSON(`{"previousReplicas":2}`))
	g.Expect(done.Status.CompletionTime).NotTo(BeNil())
	g.Expect(condition(done, executionv1alpha1.ReadyCondition)).To(And(
		HaveField("Status", metav1.ConditionTrue), HaveField("Reason", executionv1alpha1.SucceededReason)))
	g.Expect(metricValue(t, "kubernaut_actionexecution_launch_seconds", nil)).To(BeNumerically(">=", 1))
	g.Expect(metricValue(t, "kubernaut_actionexecution_verification_seconds", map[string]string{"result": "verified"})).To(BeNumerically(">=", 1))
	g.Expect(metricValue(t, "kubernaut_actionexecution_finished_total",
		map[string]string{"phase": "Succeeded", "reason": executionv1alpha1.SucceededReason})).To(BeNumerically(">=", 1))
}

// assertJobSpec compares the Job with actionjob.BuildJob's output for the same inputs, after the
// API server has defaulted both (the expected Job is created with dry-run), and spot-checks the
// parts that matter most.
func assertJobSpec(t *testing.T, ae *executionv1alpha1.ActionExecution, job *batchv1.Job, image, inputsJSON string) {
	t.Helper()
	g := NewWithT(t)
	c, err := contract.Parse([]byte(scaleContract))
	g.Expect(err).NotTo(HaveOccurred())
	want, err := actionjob.BuildJob(ae, c, image, []byte(inputsJSON), actionjob.RBACName(ae))
	g.Expect(err).NotTo(HaveOccurred())
	wantLabels := want.Spec.Template.Labels
	want.Name = "expected-" + job.Name[:min(len(job.Name), 40)]
	g.Expect(env.Client.Create(context.Background(), want, client.DryRunAll)).To(Succeed())
	// The selector and the template's labels carry the Job's UID and name, set by the API server.
	opts := cmpopts.IgnoreFields(batchv1.JobSpec{}, "Selector", "Template.ObjectMeta.Labels")
	if diff := cmp.Diff(want.Spec, job.Spec, opts); diff != "" {
		t.Errorf("Job spec (-built +created):\n%s", diff)
	}
	for k, v := range wantLabels {
		g.Expect(job.Spec.Template.Labels).To(HaveKeyWithValue(k, v))
	}
	container := job.Spec.Template.Spec.Containers[0]
	g.Expect(container.Image).To(Equal(image), "the Job runs the verified digest")
	var inputs string
	for _, e := range container.Env {
		if e.Name == "ACTION_INPUTS" {
			inputs = e.Value
		}
	}
	g.Expect(inputs).To(MatchJSON(inputsJSON), "ACTION_INPUTS holds the inputs with the contract's defaults")
	g.Expect(job.Spec.BackoffLimit).To(HaveValue(BeEquivalentTo(0)))
	g.Expect(job.Spec.ActiveDeadlineSeconds).To(HaveValue(BeEquivalentTo(300)), "spec.timeout defaults to 5m")
	g.Expect(job.Spec.Template.Spec.ServiceAccountName).To(Equal(actionjob.RBACName(ae)))
	g.Expect(metav1.IsControlledBy(job, ae)).To(BeTrue(), "the Job is owned by the ActionExecution")
}

// assertOwnedRBAC checks the per-run ServiceAccount and its Role holding exactly the contract's
// namespaced permission.
func assertOwnedRBAC(t *testing.T, ae *executionv1alpha1.ActionExecution) {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	key := client.ObjectKey{Namespace: ae.Namespace, Name: actionjob.RBACName(ae)}
	sa := &corev1.ServiceAccount{}
	g.Expect(env.Client.Get(ctx, key, sa)).To(Succeed())
	g.Expect(metav1.IsControlledBy(sa, ae)).To(BeTrue())
	var roles rbacv1.RoleList
	g.Expect(env.Client.List(ctx, &roles, client.InNamespace(ae.Namespace))).To(Succeed())
	g.Expect(roles.Items).To(HaveLen(1))
	g.Expect(metav1.IsControlledBy(&roles.Items[0], ae)).To(BeTrue())
	g.Expect(roles.Items[0].Rules).To(ConsistOf(rbacv1.PolicyRule{
		APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"get", "patch"},
	}))
	var bindings rbacv1.RoleBindingList
	g.Expect(env.Client.List(ctx, &bindings, client.InNamespace(ae.Namespace))).To(Succeed())
	g.Expect(bindings.Items).To(HaveLen(1))
	g.Expect(bindings.Items[0].Subjects).To(ConsistOf(HaveField("Name", sa.Name)))
}

// digestOf returns the "sha256:<hex>" part of a digest reference.
func digestOf(ref string) string {
	for i := len(ref) - 1; i >= 0; i-- {
		if ref[i] == '@' {
			return ref[i+1:]
		}
	}
	return ""
}

func TestActionExecution_mirrorsAFinishedJob(t *testing.T) {
	s := newScaleSetup(t)
	s.cp.startManager(t)
	for _, tc := range []struct {
		name       string
		finish     func(t *testing.T, job *batchv1.Job)
		wantReason string
		wantInMsg  string
	}{{
		name: "a Job that failed ends the run with JobFailed",
		finish: func(t *testing.T, job *batchv1.Job) {
			failJob(t, job, batchv1.JobReasonBackoffLimitExceeded, "Job has reached the specified backoff limit")
		},
		wantReason: executionv1alpha1.JobFailedReason, wantInMsg: "backoff limit",
	}, {
		name: "a Job whose action exited 2 (inputs its contract rejects) ends the run with InvalidInputs",
		finish: func(t *testing.T, job *batchv1.Job) {
			finishPod(t, job, corev1.PodFailed, 2, "")
			failJob(t, job, batchv1.JobReasonPodFailurePolicy, "Container action for pod exited with code 2")
		},
		wantReason: executionv1alpha1.InvalidInputsReason, wantInMsg: "exited with code 2",
	}, {
		name: "a Job whose action exited 3 (outputs its contract rejects) ends the run with OutputInvalid",
		finish: func(t *testing.T, job *batchv1.Job) {
			finishPod(t, job, corev1.PodFailed, 3, "")
			failJob(t, job, batchv1.JobReasonPodFailurePolicy, "Container action for pod exited with code 3")
		},
		wantReason: executionv1alpha1.OutputInvalidReason, wantInMsg: "exited with code 3",
	}, {
		name: "a Job past its deadline ends the run with DeadlineExceeded",
		finish: func(t *testing.T, job *batchv1.Job) {
			failJob(t, job, batchv1.JobReasonDeadlineExceeded, "Job was active longer than specified deadline")
		},
		wantReason: executionv1alpha1.DeadlineExceededReason, wantInMsg: "deadline",
	}, {
		// envtest has no kubelet to serve logs, so the log-tail fallback (used when the
		// termination message holds no JSON object) is covered by the tier-3 tests.
		name: "a completed Job without a succeeded pod to read outputs from ends the run with OutputInvalid",
		finish: func(t *testing.T, job *batchv1.Job) {
			finishPod(t, job, corev1.PodFailed, 1, "")
			completeJob(t, job)
		},
		wantReason: executionv1alpha1.OutputInvalidReason, wantInMsg: "none of its pods succeeded",
	}, {
		name: "a completed Job with an output the contract does not declare ends the run with OutputInvalid",
		finish: func(t *testing.T, job *batchv1.Job) {
			finishPod(t, job, corev1.PodSucceeded, 0, `{"surprise":true}`)
			completeJob(t, job)
		},
		wantReason: executionv1alpha1.OutputInvalidReason, wantInMsg: "surprise",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			ae := newActionExecution(s.ns, "test/scale", `{"deployment":"web"}`)
			create(t, ae)
			waitForPhase(t, ae, executionv1alpha1.PhaseRunning)
			tc.finish(t, jobOf(t, ae))
			failed := waitForPhase(t, ae, executionv1alpha1.PhaseFailed)
			ready := condition(failed, executionv1alpha1.ReadyCondition)
			g := NewWithT(t)
			g.Expect(ready).To(HaveField("Reason", tc.wantReason))
			g.Expect(ready.Message).To(ContainSubstring(tc.wantInMsg))
			g.Expect(failed.Status.Outputs).To(BeNil())
			g.Expect(failed.Status.CompletionTime).NotTo(BeNil())
		})
	}
}

// The pod watch ends a run when its pod succeeds, without waiting for the Job controller (which
// completes the Job a second or more later), while a failed pod leaves the verdict to the Job:
// its pod failure policy may ignore the failure (a disruption) and start another pod.
func TestActionExecution_aSucceededPodEndsTheRunBeforeTheJobCompletes(t *testing.T) {
	s := newScaleSetup(t)
	s.cp.startManager(t)

	t.Run("a succeeded pod: Succeeded with its outputs, the Job still running", func(t *testing.T) {
		g := NewWithT(t)
		ae, job := startScaleRun(t, s)
		finishPod(t, job, corev1.PodSucceeded, 0, `{"previousReplicas":7}`)
		done := waitForPhase(t, ae, executionv1alpha1.PhaseSucceeded)
		g.Expect(string(done.Status.Outputs.Raw)).To(MatchJSON(`{"previousReplicas":7}`))
		g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(job), job)).To(Succeed())
		g.Expect(job.Status.Conditions).To(BeEmpty(), "the run ended before the Job did")
	})
	t.Run("a container that exited 0 before the pod's phase says so: Succeeded", func(t *testing.T) {
		g := NewWithT(t)
		ae, job := startScaleRun(t, s)
		finishPod(t, job, corev1.PodRunning, 0, `{"previousReplicas":8}`)
		done := waitForPhase(t, ae, executionv1alpha1.PhaseSucceeded)
		g.Expect(string(done.Status.Outputs.Raw)).To(MatchJSON(`{"previousReplicas":8}`))
	})
	t.Run("a succeeded pod with outputs the contract rejects: OutputInvalid, the Job still running", func(t *testing.T) {
		g := NewWithT(t)
		ae, job := startScaleRun(t, s)
		finishPod(t, job, corev1.PodSucceeded, 0, `{"previousReplicas":"two"}`)
		failed := waitForPhase(t, ae, executionv1alpha1.PhaseFailed)
		g.Expect(condition(failed, executionv1alpha1.ReadyCondition)).To(HaveField("Reason", executionv1alpha1.OutputInvalidReason))
	})
	t.Run("a failed pod: still Running until the Job says it failed", func(t *testing.T) {
		g := NewWithT(t)
		ae, job := startScaleRun(t, s)
		finishPod(t, job, corev1.PodFailed, 1, "")
		g.Consistently(func() executionv1alpha1.ActionExecutionPhase {
			got := &executionv1alpha1.ActionExecution{}
			g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(ae), got)).To(Succeed())
			return got.Status.Phase
		}, 2*time.Second, poll).Should(Equal(executionv1alpha1.PhaseRunning))
		failJob(t, job, batchv1.JobReasonBackoffLimitExceeded, "Job has reached the specified backoff limit")
		failed := waitForPhase(t, ae, executionv1alpha1.PhaseFailed)
		g.Expect(condition(failed, executionv1alpha1.ReadyCondition)).To(HaveField("Reason", executionv1alpha1.JobFailedReason))
	})
}

// startScaleRun creates a run of the scale action and returns it with its Job, once Running.
func startScaleRun(t *testing.T, s *actionSetup) (*executionv1alpha1.ActionExecution, *batchv1.Job) {
	t.Helper()
	ae := newActionExecution(s.ns, "test/scale", `{"deployment":"web"}`)
	create(t, ae)
	waitForPhase(t, ae, executionv1alpha1.PhaseRunning)
	return ae, jobOf(t, ae)
}

func TestActionExecution_restartedManagerFindsItsJobInsteadOfCreatingAnother(t *testing.T) {
	g := NewWithT(t)
	s := newScaleSetup(t)
	stopFirst := s.cp.startManager(t)
	ae := newActionExecution(s.ns, "test/scale", `{"deployment":"web"}`)
	create(t, ae)
	waitForPhase(t, ae, executionv1alpha1.PhaseRunning)
	job := jobOf(t, ae)
	stopFirst()

	s.cp.startManager(t)
	finishPod(t, job, corev1.PodSucceeded, 0, `{"previousReplicas":4}`)
	completeJob(t, job)
	// Only the second manager is running, so reaching Succeeded proves it reconciled the run.
	done := waitForPhase(t, ae, executionv1alpha1.PhaseSucceeded)
	g.Expect(string(done.Status.Outputs.Raw)).To(MatchJSON(`{"previousReplicas":4}`))
	var jobs batchv1.JobList
	g.Expect(env.Client.List(context.Background(), &jobs, client.InNamespace(s.ns))).To(Succeed())
	g.Expect(jobs.Items).To(HaveLen(1), "one Job across both managers")
	g.Expect(jobs.Items[0].UID).To(Equal(job.UID), "the Job of the first manager")
}
