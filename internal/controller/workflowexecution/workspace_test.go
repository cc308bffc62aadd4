package workflowexecution_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionjob"
)

// workspaceStep is a step that mounts the workspace.
func workspaceStep(name string, runAfter ...string) workflowv1alpha1.WorkflowStep {
	s := step(name, "", runAfter...)
	s.UsesWorkspace = true
	return s
}

// claimKey is the key of the workflow's workspace claim, named after the workflow.
func claimKey(wfe *workflowv1alpha1.WorkflowExecution) client.ObjectKey {
	return client.ObjectKey{Namespace: wfe.Namespace, Name: actionjob.ChildName(wfe.Name, "workspace")}
}

// claimExists reports whether the workflow's workspace claim exists, and returns it.
func claimExists(t testing.TB, wfe *workflowv1alpha1.WorkflowExecution) (*corev1.PersistentVolumeClaim, bool) {
	t.Helper()
	pvc := &corev1.PersistentVolumeClaim{}
	err := env.Client.Get(context.Background(), claimKey(wfe), pvc)
	if apierrors.IsNotFound(err) {
		return nil, false
	}
	if err != nil {
		t.Fatalf("get the workspace claim: %v", err)
	}
	return pvc, true
}

// expectReleased waits until the claim is deleted and the status says so. The API server's
// StorageObjectInUseProtection admission adds the kubernetes.io/pvc-protection finalizer, which
// only kube-controller-manager removes (envtest has none), so a deleted claim is one with a
// deletion timestamp.
func expectReleased(t testing.TB, wfe *workflowv1alpha1.WorkflowExecution) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		pvc, exists := claimExists(t, wfe)
		g.Expect(!exists || !pvc.DeletionTimestamp.IsZero()).To(BeTrue(), "the workspace claim was not deleted")
		g.Expect(findCondition(fetch(g, wfe), workflowv1alpha1.WorkspaceReadyCondition)).To(And(
			HaveField("Status", metav1.ConditionFalse), HaveField("Reason", workflowv1alpha1.WorkspaceReleasedReason)))
	}, eventually, poll).Should(Succeed())
}

func TestWorkflowExecution_createsTheWorkspaceBeforeTheFirstStepThatUsesIt(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, "workspace")
	h.start(t)
	wfe := newWorkflow(h.ns, "workspace", step("plan", ""), workspaceStep("write", "plan"), workspaceStep("read", "write"))
	size := resource.MustParse("2Gi")
	wfe.Spec.Workspace = &workflowv1alpha1.WorkspaceSpec{Size: &size, StorageClassName: ptr.To("fast")}
	create(t, wfe)

	plan := waitForChild(t, wfe, "plan", 1)
	g.Consistently(func() bool { _, ok := claimExists(t, wfe); return ok }, "300ms", poll).Should(BeFalse(),
		"no claim before a step needs it")
	g.Expect(plan.Spec.Workspace).To(BeNil())

	succeedChild(t, plan, `{}`, h.clock.Now())
	write := waitForChild(t, wfe, "write", 1)
	pvc, ok := claimExists(t, wfe)
	g.Expect(ok).To(BeTrue(), "the claim exists once the first step using it was created")
	t.Run("the claim has the spec's size and class, and belongs to the workflow", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(pvc.Spec.Resources.Requests.Storage().String()).To(Equal("2Gi"))
		g.Expect(pvc.Spec.StorageClassName).To(Equal(ptr.To("fast")))
		g.Expect(pvc.Spec.AccessModes).To(Equal([]corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}))
		g.Expect(metav1.IsControlledBy(pvc, fetch(g, wfe))).To(BeTrue(),
			"deleting the workflow deletes the claim through its owner reference: %+v", pvc.OwnerReferences)
	})
	g.Expect(write.Spec.Workspace).To(Equal(&executionv1alpha1.WorkspaceVolume{ClaimName: pvc.Name}))
	got := fetch(g, wfe)
	g.Expect(got.Status.WorkspacePVC).To(Equal(pvc.Name))
	g.Expect(findCondition(got, workflowv1alpha1.WorkspaceReadyCondition)).To(HaveField("Status", metav1.ConditionTrue))

	succeedChild(t, write, `{}`, h.clock.Now())
	read := waitForChild(t, wfe, "read", 1)
	g.Expect(read.Spec.Workspace).To(Equal(&executionv1alpha1.WorkspaceVolume{ClaimName: pvc.Name}), "every step shares one claim")
	succeedChild(t, read, `{}`, h.clock.Now())
	waitForPhase(t, wfe, workflowv1alpha1.WorkflowCompleted)
	expectReleased(t, wfe)
	g.Eventually(func(g Gomega) {
		g.Expect(eventReasons(g, wfe)).To(ContainElements("WorkspaceCreated", workflowv1alpha1.WorkspaceReleasedReason))
	}, eventually, poll).Should(Succeed())
}

func TestWorkflowExecution_sizesTheWorkspaceFromTheSettings(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, "wssettings")
	s := h.settings.Load()
	s.Workspace.Size, s.Workspace.StorageClassName = resource.MustParse("3Gi"), "standard"
	s.Workspace.AccessMode = corev1.ReadWriteMany
	h.settings.Set(s)
	h.start(t)
	wfe := newWorkflow(h.ns, "wssettings", workspaceStep("write"))
	create(t, wfe)
	waitForChild(t, wfe, "write", 1)
	pvc, ok := claimExists(t, wfe)
	g.Expect(ok).To(BeTrue())
	g.Expect(pvc.Spec.Resources.Requests.Storage().String()).To(Equal("3Gi"))
	g.Expect(pvc.Spec.StorageClassName).To(Equal(ptr.To("standard")))
	g.Expect(pvc.Spec.AccessModes).To(Equal([]corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}))
}

func TestWorkflowExecution_releasesTheWorkspaceOnEveryEnding(t *testing.T) {
	h := newHarness(t, "release")
	h.start(t)
	for _, tc := range []struct {
		name  string
		end   func(t *testing.T, wfe *workflowv1alpha1.WorkflowExecution, ae *executionv1alpha1.ActionExecution)
		phase workflowv1alpha1.WorkflowPhase
	}{{
		name: "a failed workflow releases it",
		end: func(t *testing.T, _ *workflowv1alpha1.WorkflowExecution, ae *executionv1alpha1.ActionExecution) {
			failChild(t, ae, executionv1alpha1.JobFailedReason, "exit code 1", h.clock.Now())
		},
		phase: workflowv1alpha1.WorkflowFailed,
	}, {
		name: "a cancelled workflow releases it",
		end: func(t *testing.T, wfe *workflowv1alpha1.WorkflowExecution, _ *executionv1alpha1.ActionExecution) {
			setCancel(t, wfe)
		},
		phase: workflowv1alpha1.WorkflowCancelled,
	}, {
		name: "a timed-out workflow releases it",
		end: func(t *testing.T, wfe *workflowv1alpha1.WorkflowExecution, _ *executionv1alpha1.ActionExecution) {
			h.clock.Step(h.settings.Load().WorkflowTimeout + time.Second)
			poke(t, wfe)
		},
		phase: workflowv1alpha1.WorkflowFailed,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			wfe := newWorkflow(h.ns, "", workspaceStep("write"), step("after", "", "write"))
			wfe.GenerateName = "release-"
			create(t, wfe)
			ae := waitForChild(t, wfe, "write", 1)
			if _, ok := claimExists(t, wfe); !ok {
				t.Fatal("no workspace claim while its step runs")
			}
			tc.end(t, wfe, ae)
			waitForPhase(t, wfe, tc.phase)
			expectReleased(t, wfe)
		})
	}
}

func TestWorkflowExecution_deletesTheFinishedStepPodsThatHoldTheWorkspace(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, "wspods")
	h.start(t)
	wfe := newWorkflow(h.ns, "wspods", workspaceStep("write"))
	create(t, wfe)
	write := waitForChild(t, wfe, "write", 1)
	claim := claimKey(wfe).Name
	// Kubernetes keeps a claim while any pod that mounted it exists, finished or not.
	stepPod := createPod(t, h.ns, "step", claim, true)
	foreignPod := createPod(t, h.ns, "foreign", claim, false)
	otherPod := createPod(t, h.ns, "other-claim", "unrelated", true)

	succeedChild(t, write, `{}`, h.clock.Now())
	waitForPhase(t, wfe, workflowv1alpha1.WorkflowCompleted)
	expectReleased(t, wfe)
	g.Eventually(func() bool { return podExists(t, stepPod) }, eventually, poll).Should(BeFalse(),
		"the finished step pod that mounted the workspace is deleted with it")
	g.Expect(podExists(t, foreignPod)).To(BeTrue(), "a pod Kubernaut did not create is never deleted")
	g.Expect(podExists(t, otherPod)).To(BeTrue(), "a pod mounting another claim is never deleted")
}

// createPod creates a Succeeded pod mounting claim, labelled as Kubernaut's when managed.
func createPod(t testing.TB, ns, name, claim string, managed bool) client.ObjectKey {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers:    []corev1.Container{{Name: "action", Image: "registry.example/action@sha256:" + zeros64}},
			Volumes: []corev1.Volume{{Name: "workspace", VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}}},
		},
	}
	if managed {
		pod.Labels = map[string]string{actionjob.LabelManagedBy: actionjob.ManagedBy}
	}
	ctx := context.Background()
	if err := env.Client.Create(ctx, pod); err != nil {
		t.Fatal(err)
	}
	pod.Status.Phase = corev1.PodSucceeded
	if err := env.Client.Status().Update(ctx, pod); err != nil {
		t.Fatal(err)
	}
	return client.ObjectKeyFromObject(pod)
}

func podExists(t testing.TB, key client.ObjectKey) bool {
	t.Helper()
	err := env.Client.Get(context.Background(), key, &corev1.Pod{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	return err == nil
}

const zeros64 = "0000000000000000000000000000000000000000000000000000000000000000"
