package workflowexecution_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

func TestWorkflowExecution_runsASequentialChainPassingOutputsBetweenSteps(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, "chain")
	h.start(t)
	wfe := newWorkflow(h.ns, "chain",
		step("scale", `{"deployment":"web","replicas":5}`),
		step("check", `{"expected":"$(steps.scale.outputs.replicas)","note":"was $(steps.scale.outputs.previous) of $(steps.scale.outputs.name)"}`, "scale"),
		step("report", `{"ok":"$(steps.check.outputs.healthy)","all":"$(steps.scale.outputs.labels)"}`, "check"),
	)
	create(t, wfe)

	scale := waitForChild(t, wfe, "scale", 1)
	t.Run("the first child is the step, owned by the workflow and labelled for lookup", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(scale.Spec.ActionType).To(Equal("test/scale"))
		g.Expect(string(scale.Spec.Inputs.Raw)).To(MatchJSON(`{"deployment":"web","replicas":5}`))
		g.Expect(metav1.IsControlledBy(scale, fetch(g, wfe))).To(BeTrue(), "owner references: %+v", scale.OwnerReferences)
		g.Expect(scale.Labels).To(Equal(map[string]string{
			"app.kubernetes.io/managed-by": "kubernaut", "kubernaut.ai/workflow": "chain",
			"kubernaut.ai/step": "scale", "kubernaut.ai/attempt": "1",
		}))
		g.Expect(scale.Spec.Timeout).To(Equal(&metav1.Duration{Duration: h.settings.Load().StepTimeout}))
	})
	t.Run("while the first step runs, the others wait and nothing else is created", func(t *testing.T) {
		got := waitForStep(t, wfe, "scale", workflowv1alpha1.StepRunning)
		NewWithT(t).Expect(got.Status.StepStatus("check")).To(And(
			HaveField("Phase", workflowv1alpha1.StepPending), HaveField("Reason", workflowv1alpha1.WaitingReason),
			HaveField("Message", "Waiting for scale to complete")))
		NewWithT(t).Expect(children(t, wfe)).To(HaveLen(1))
	})

	runChild(t, scale, h.clock.Now())
	succeedChild(t, scale, `{"replicas":5,"previous":2,"name":"web","labels":{"app":"web"}}`, h.clock.Now())
	check := waitForChild(t, wfe, "check", 1)
	t.Run("a whole-string reference keeps the output's JSON type; an embedded one is spliced as text", func(t *testing.T) {
		NewWithT(t).Expect(string(check.Spec.Inputs.Raw)).To(MatchJSON(`{"expected":5,"note":"was 2 of web"}`))
	})
	succeedChild(t, check, `{"healthy":true}`, h.clock.Now())
	report := waitForChild(t, wfe, "report", 1)
	g.Expect(string(report.Spec.Inputs.Raw)).To(MatchJSON(`{"ok":true,"all":{"app":"web"}}`))
	succeedChild(t, report, `{}`, h.clock.Now())

	done := waitForPhase(t, wfe, workflowv1alpha1.WorkflowCompleted)
	t.Run("the status records every step, its child, what was verified and its outputs", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(done.Status.Progress).To(Equal("3/3"))
		g.Expect(done.Status.Engine).To(Equal(workflowv1alpha1.EngineJobs))
		g.Expect(done.Status.ObservedGeneration).To(Equal(int64(1)))
		g.Expect(done.Status.StartTime.Time).To(BeTemporally("==", epoch))
		g.Expect(done.Status.CompletionTime).NotTo(BeNil())
		g.Expect(ready(done)).To(And(HaveField("Status", metav1.ConditionTrue), HaveField("Reason", workflowv1alpha1.SucceededReason)))
		st := done.Status.StepStatus("scale")
		want := workflowv1alpha1.StepStatus{
			Name: "scale", Phase: workflowv1alpha1.StepCompleted, Reason: executionv1alpha1.SucceededReason,
			Message:  "The action completed and its outputs satisfy the contract",
			Attempts: 1, VerifiedDigest: testDigest, Signer: testSigner.DeepCopy(),
			Contract: &executionv1alpha1.ContractReference{Name: "scale-test", Version: "v1.2.3"},
			ChildRef: &workflowv1alpha1.ObjectReference{Kind: "ActionExecution", Name: scale.Name},
		}
		g.Expect(string(st.Outputs.Raw)).To(MatchJSON(`{"replicas":5,"previous":2,"name":"web","labels":{"app":"web"}}`))
		g.Expect(st.StartTime).NotTo(BeNil())
		g.Expect(st.CompletionTime).NotTo(BeNil())
		got := st.DeepCopy()
		got.Outputs, got.StartTime, got.CompletionTime = nil, nil, nil
		if diff := cmp.Diff(want, *got); diff != "" {
			t.Errorf("step status (-want +got):\n%s", diff)
		}
		for _, c := range []string{workflowv1alpha1.ValidatedCondition, workflowv1alpha1.EngineSelectedCondition} {
			g.Expect(findCondition(done, c)).To(HaveField("Status", metav1.ConditionTrue), c)
		}
		g.Expect(findCondition(done, workflowv1alpha1.EngineSelectedCondition)).To(HaveField("Reason", workflowv1alpha1.EngineDefaultReason))
		g.Expect(findCondition(done, workflowv1alpha1.WorkspaceReadyCondition)).To(BeNil(), "no step uses the workspace")
	})
	t.Run("every transition was announced as an event", func(t *testing.T) {
		NewWithT(t).Eventually(func(g Gomega) {
			g.Expect(eventReasons(g, wfe)).To(ContainElements(
				"Started", "StepStarted", "StepCompleted", workflowv1alpha1.SucceededReason))
		}, eventually, poll).Should(Succeed())
	})
	g.Expect(metricValue(t, "kubernaut_workflowexecution_finished_total",
		map[string]string{"engine": "jobs", "phase": "Completed", "reason": "Succeeded"})).To(BeNumerically(">=", 1))
	g.Expect(metricValue(t, "kubernaut_workflowexecution_step_transition_seconds", nil)).To(BeNumerically(">=", 2))
	g.Expect(metricValue(t, "kubernaut_workflowexecution_step_finished_total",
		map[string]string{"engine": "jobs", "phase": "Completed", "reason": "Succeeded"})).To(BeNumerically(">=", 3))
	g.Expect(metricValue(t, "kubernaut_workflowexecution_duration_seconds", map[string]string{"phase": "Completed"})).To(BeNumerically(">=", 1))
}

func TestWorkflowExecution_fansOutAndInFollowingRunAfter(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, "fan")
	h.start(t)
	wfe := newWorkflow(h.ns, "fan",
		step("prepare", ""),
		step("left", "", "prepare"),
		step("right", "", "prepare"),
		step("join", `{"l":"$(steps.left.outputs.v)","r":"$(steps.right.outputs.v)"}`, "left", "right"),
	)
	create(t, wfe)

	succeedChild(t, waitForChild(t, wfe, "prepare", 1), `{}`, h.clock.Now())
	left, right := waitForChild(t, wfe, "left", 1), waitForChild(t, wfe, "right", 1)
	succeedChild(t, left, `{"v":"L"}`, h.clock.Now())
	got := waitForStep(t, wfe, "left", workflowv1alpha1.StepCompleted)
	g.Expect(got.Status.StepStatus("join").Message).To(Equal("Waiting for right to complete"))
	g.Consistently(func() int { return len(children(t, wfe)) }, "300ms", poll).Should(Equal(3), "join must wait for both branches")

	succeedChild(t, right, `{"v":"R"}`, h.clock.Now())
	join := waitForChild(t, wfe, "join", 1)
	g.Expect(string(join.Spec.Inputs.Raw)).To(MatchJSON(`{"l":"L","r":"R"}`))
	succeedChild(t, join, `{}`, h.clock.Now())
	g.Expect(waitForPhase(t, wfe, workflowv1alpha1.WorkflowCompleted).Status.Progress).To(Equal("4/4"))
}

func TestWorkflowExecution_neverRunsMoreThanMaxParallelSteps(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, "wide")
	h.start(t)
	const steps, limit = 50, 5
	var spec []workflowv1alpha1.WorkflowStep
	for i := range steps {
		spec = append(spec, step(fmt.Sprintf("s%02d", i), ""))
	}
	wfe := newWorkflow(h.ns, "wide", spec...)
	wfe.Spec.MaxParallelSteps = ptr.To[int32](limit)
	waitingBefore := metricValue(t, "kubernaut_workflowexecution_steps_waiting", nil)
	create(t, wfe)
	g.Eventually(func() float64 { return metricValue(t, "kubernaut_workflowexecution_steps_waiting", nil) }, eventually, poll).
		Should(Equal(waitingBefore+steps-limit), "the queue depth counts the steps waiting for a slot")

	// Only the test finishes children, so a child created beyond the limit stays unfinished
	// until the test finishes one: every sample sees it. Before each completion the test waits
	// until the controller has filled every free slot, so the limit is also shown to be reached.
	maxSeen := 0
	for finished := 0; finished < steps; finished++ {
		var unfinished []string
		g.Eventually(func() int {
			unfinished = nil
			for _, ae := range children(t, wfe) {
				if !ae.Status.Phase.IsFinished() {
					unfinished = append(unfinished, ae.Name)
				}
			}
			maxSeen = max(maxSeen, len(unfinished))
			return len(unfinished)
		}, eventually, 10*time.Millisecond).Should(Equal(min(limit, steps-finished)), "after %d completions", finished)
		g.Expect(maxSeen).To(BeNumerically("<=", limit), "running at once: %v", unfinished)
		ae := &executionv1alpha1.ActionExecution{}
		g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Namespace: h.ns, Name: unfinished[0]}, ae)).To(Succeed())
		succeedChild(t, ae, `{}`, h.clock.Now())
	}
	done := waitForPhase(t, wfe, workflowv1alpha1.WorkflowCompleted)
	g.Expect(done.Status.Progress).To(Equal("50/50"))
	g.Expect(children(t, wfe)).To(HaveLen(steps), "one child per step")
	g.Expect(maxSeen).To(Equal(limit), "never more than the limit at once")
	g.Expect(metricValue(t, "kubernaut_workflowexecution_steps_waiting", nil)).To(Equal(waitingBefore),
		"a finished workflow leaves the queue depth")
}

// findCondition returns the condition of type condType, nil when absent.
func findCondition(wfe *workflowv1alpha1.WorkflowExecution, condType string) *metav1.Condition {
	for i := range wfe.Status.Conditions {
		if wfe.Status.Conditions[i].Type == condType {
			return &wfe.Status.Conditions[i]
		}
	}
	return nil
}

// eventReasons lists the reasons of the events about the workflow.
func eventReasons(g Gomega, wfe *workflowv1alpha1.WorkflowExecution) []string {
	var list eventsv1.EventList
	g.Expect(env.Client.List(context.Background(), &list, client.InNamespace(wfe.Namespace))).To(Succeed())
	var reasons []string
	for _, e := range list.Items {
		if e.Regarding.Name == wfe.Name && e.Regarding.Kind == workflowv1alpha1.WorkflowExecutionKind {
			reasons = append(reasons, e.Reason)
		}
	}
	return reasons
}

// A null in a step's outputs is a value ("this variable was not set"), not an instruction to
// delete a key: the status write must store it as the action wrote it.
func TestWorkflowExecution_keepsNullsInOutputs(t *testing.T) {
	h := newHarness(t, "nulls")
	h.start(t)
	wfe := newWorkflow(h.ns, "nulls", step("debug", `{}`))
	create(t, wfe)
	child := waitForChild(t, wfe, "debug", 1)
	const outputs = `{"previousEnv":{"LOG_LEVEL":null},"env":{"LOG_LEVEL":"debug"},"note":null}`
	succeedChild(t, child, outputs, h.clock.Now())
	done := waitForPhase(t, wfe, workflowv1alpha1.WorkflowCompleted)
	NewWithT(t).Expect(string(done.Status.StepStatus("debug").Outputs.Raw)).To(MatchJSON(outputs))
}
