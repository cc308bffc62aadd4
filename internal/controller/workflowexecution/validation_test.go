package workflowexecution_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

func TestWorkflowExecution_failsAnInvalidWorkflowBeforeCreatingAnything(t *testing.T) {
	h := newHarness(t, "invalid")
	h.start(t)
	withWorkspace := func(s workflowv1alpha1.WorkflowStep) workflowv1alpha1.WorkflowStep {
		s.UsesWorkspace = true
		return s
	}
	for _, tc := range []struct {
		name    string
		steps   []workflowv1alpha1.WorkflowStep
		reason  string
		message string
	}{{
		name:    "a cycle fails with its path named",
		steps:   []workflowv1alpha1.WorkflowStep{withWorkspace(step("a", "", "c")), step("b", "", "a"), step("c", "", "b")},
		reason:  workflowv1alpha1.InvalidDependencyGraphReason,
		message: "dependency cycle: a -> b -> c -> a",
	}, {
		name:    "runAfter naming an unknown step fails",
		steps:   []workflowv1alpha1.WorkflowStep{withWorkspace(step("a", "")), step("b", "", "missing")},
		reason:  workflowv1alpha1.InvalidDependencyGraphReason,
		message: "missing",
	}, {
		name:    "duplicate step names fail",
		steps:   []workflowv1alpha1.WorkflowStep{withWorkspace(step("a", "")), step("a", "")},
		reason:  workflowv1alpha1.InvalidDependencyGraphReason,
		message: "spec.steps[1].name",
	}, {
		name: "a reference to a step that is not upstream fails",
		steps: []workflowv1alpha1.WorkflowStep{withWorkspace(step("a", "")), step("b", ""),
			step("c", `{"x":"$(steps.b.outputs.y)"}`, "a")},
		reason:  workflowv1alpha1.InvalidOutputReferenceReason,
		message: "$(steps.b.outputs.y)",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			wfe := newWorkflow(h.ns, "", tc.steps...)
			wfe.GenerateName = "invalid-"
			create(t, wfe)
			done := waitForPhase(t, wfe, workflowv1alpha1.WorkflowFailed)
			for _, c := range []string{workflowv1alpha1.ValidatedCondition, workflowv1alpha1.ReadyCondition} {
				cond := findCondition(done, c)
				g.Expect(cond).NotTo(BeNil(), c)
				g.Expect(cond.Status).To(Equal(metav1.ConditionFalse), c)
				g.Expect(cond.Reason).To(Equal(tc.reason), c)
				g.Expect(cond.Message).To(ContainSubstring(tc.message), c)
			}
			g.Expect(done.Status.Steps).To(BeEmpty(), "no step was scheduled")
			g.Expect(done.Status.Engine).To(BeEmpty(), "no engine was chosen")
			g.Expect(done.Status.ObservedGeneration).To(Equal(int64(1)))
			g.Expect(done.Status.CompletionTime).NotTo(BeNil())
			g.Consistently(func() int { return len(children(t, done)) }, "200ms", poll).Should(BeZero())
			var claims corev1.PersistentVolumeClaimList
			g.Expect(env.Client.List(context.Background(), &claims, client.InNamespace(h.ns))).To(Succeed())
			g.Expect(claims.Items).To(BeEmpty())
			g.Eventually(func(g Gomega) { g.Expect(eventReasons(g, done)).To(ContainElement(tc.reason)) }, eventually, poll).Should(Succeed())
		})
	}
}

func TestWorkflowExecution_recordsTheEngineOnce(t *testing.T) {
	h := newHarness(t, "engine")
	h.start(t)
	t.Run("the annotation demanding tekton fails the workflow, because this build cannot run it", func(t *testing.T) {
		g := NewWithT(t)
		wfe := newWorkflow(h.ns, "demands-tekton", step("a", ""))
		wfe.Annotations = map[string]string{workflowv1alpha1.EngineAnnotation: "tekton"}
		create(t, wfe)
		done := waitForPhase(t, wfe, workflowv1alpha1.WorkflowFailed)
		g.Expect(ready(done)).To(HaveField("Reason", workflowv1alpha1.EngineTektonUnavailableReason))
		g.Expect(findCondition(done, workflowv1alpha1.EngineSelectedCondition)).To(And(
			HaveField("Status", metav1.ConditionFalse), HaveField("Reason", workflowv1alpha1.EngineTektonUnavailableReason)))
		g.Consistently(func() int { return len(children(t, done)) }, "200ms", poll).Should(BeZero())
	})
	t.Run("tekton.enabled falls back to jobs and says why", func(t *testing.T) {
		g := NewWithT(t)
		s := h.settings.Load()
		s.Tekton.Enabled = true
		h.settings.Set(s)
		wfe := newWorkflow(h.ns, "routed-to-tekton", step("a", ""))
		create(t, wfe)
		waitForChild(t, wfe, "a", 1)
		got := waitForPhase(t, wfe, workflowv1alpha1.WorkflowRunning)
		g.Expect(got.Status.Engine).To(Equal(workflowv1alpha1.EngineJobs))
		g.Expect(findCondition(got, workflowv1alpha1.EngineSelectedCondition)).To(And(
			HaveField("Status", metav1.ConditionTrue), HaveField("Reason", workflowv1alpha1.EngineTektonUnavailableReason)))
	})
	t.Run("the jobs annotation selects jobs with reason Annotation", func(t *testing.T) {
		g := NewWithT(t)
		wfe := newWorkflow(h.ns, "annotated-jobs", step("a", ""))
		wfe.Annotations = map[string]string{workflowv1alpha1.EngineAnnotation: "jobs"}
		create(t, wfe)
		waitForChild(t, wfe, "a", 1)
		got := waitForPhase(t, wfe, workflowv1alpha1.WorkflowRunning)
		g.Expect(findCondition(got, workflowv1alpha1.EngineSelectedCondition)).To(HaveField("Reason", workflowv1alpha1.EngineAnnotationReason))
	})
}
