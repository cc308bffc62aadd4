package workflowexecution_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

func TestWorkflowExecution_failsFastSkippingDependantsWhileRunningStepsFinish(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, "failfast")
	h.start(t)
	wfe := newWorkflow(h.ns, "failfast",
		step("broken", ""),
		step("slow", ""),
		step("after-broken", "", "broken"),
		step("after-slow", "", "slow"),
		step("last", "", "after-broken", "after-slow"),
	)
	create(t, wfe)
	broken, slow := waitForChild(t, wfe, "broken", 1), waitForChild(t, wfe, "slow", 1)
	runChild(t, slow, h.clock.Now())
	failChild(t, broken, executionv1alpha1.JobFailedReason, "Job failed: exit code 3", h.clock.Now())

	got := waitForStep(t, wfe, "broken", workflowv1alpha1.StepFailed)
	t.Run("dependants are skipped, a running step keeps running and the workflow waits for it", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(got.Status.Phase).To(Equal(workflowv1alpha1.WorkflowRunning))
		g.Expect(got.Status.StepStatus("slow").Phase).To(Equal(workflowv1alpha1.StepRunning))
		for _, name := range []string{"after-broken", "last"} {
			g.Expect(got.Status.StepStatus(name)).To(And(
				HaveField("Phase", workflowv1alpha1.StepSkipped), HaveField("Reason", workflowv1alpha1.UpstreamNotCompletedReason)), name)
		}
		g.Expect(got.Status.StepStatus("after-broken").Message).To(Equal("Never started: broken did not complete"))
		g.Expect(got.Status.StepStatus("after-slow")).To(And(
			HaveField("Phase", workflowv1alpha1.StepSkipped), HaveField("Reason", workflowv1alpha1.StepFailedReason),
			HaveField("Message", "Never started: step broken failed, and after a failure no new step starts")))
	})

	succeedChild(t, slow, `{}`, h.clock.Now())
	done := waitForPhase(t, wfe, workflowv1alpha1.WorkflowFailed)
	g.Expect(done.Status.FailedStep).To(Equal("broken"))
	g.Expect(done.Status.StepStatus("slow").Phase).To(Equal(workflowv1alpha1.StepCompleted))
	g.Expect(ready(done)).To(And(HaveField("Status", metav1.ConditionFalse), HaveField("Reason", workflowv1alpha1.StepFailedReason),
		HaveField("Message", "Step broken failed (JobFailed): Job failed: exit code 3")))
	g.Expect(done.Status.Progress).To(Equal("1/5"))
	g.Expect(children(t, wfe)).To(HaveLen(2), "no step started after the failure")
}

func TestWorkflowExecution_retriesAFailedJobAfterTheBackoff(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, "retry")
	s := h.settings.Load()
	s.Retry.Base, s.Retry.Cap = 20*time.Second, time.Minute
	h.settings.Set(s)
	h.start(t)
	flaky := step("flaky", "")
	flaky.Retries = 2
	wfe := newWorkflow(h.ns, "retry", flaky)
	create(t, wfe)

	failChild(t, waitForChild(t, wfe, "flaky", 1), executionv1alpha1.DeadlineExceededReason, "Job was active longer than 5m", h.clock.Now())
	got := waitForStep(t, wfe, "flaky", workflowv1alpha1.StepPending)
	st := got.Status.StepStatus("flaky")
	g.Expect(st.Reason).To(Equal(workflowv1alpha1.RetryBackoffReason))
	g.Expect(st.RetryTime.Time).To(BeTemporally("==", epoch.Add(20*time.Second)), "the first retry waits the backoff base")
	g.Expect(st.Message).To(Equal("Attempt 1 failed (DeadlineExceeded: Job was active longer than 5m); attempt 2 of 3 starts at 2026-11-26T12:00:20Z"))
	g.Expect(st.Attempts).To(Equal(int32(1)))

	h.clock.Step(19 * time.Second)
	poke(t, wfe)
	g.Consistently(func() int { return len(children(t, wfe)) }, "300ms", poll).Should(Equal(1), "no retry before the backoff elapsed")

	h.clock.Step(2 * time.Second)
	poke(t, wfe)
	second := waitForChild(t, wfe, "flaky", 2)
	g.Expect(second.Labels).To(HaveKeyWithValue("kubernaut.ai/attempt", "2"))
	succeedChild(t, second, `{"ok":true}`, h.clock.Now())
	done := waitForPhase(t, wfe, workflowv1alpha1.WorkflowCompleted)
	g.Expect(done.Status.StepStatus("flaky")).To(And(
		HaveField("Attempts", int32(2)), HaveField("Phase", workflowv1alpha1.StepCompleted),
		HaveField("ChildRef.Name", second.Name)))
	g.Expect(children(t, wfe)).To(HaveLen(2), "one child per attempt")
}

func TestWorkflowExecution_neverRetriesARefusal(t *testing.T) {
	for _, reason := range []string{
		executionv1alpha1.VerificationFailedReason, executionv1alpha1.ContractInvalidReason,
		executionv1alpha1.InvalidInputsReason, executionv1alpha1.OutputInvalidReason,
	} {
		t.Run(reason+" fails the step on its first attempt", func(t *testing.T) {
			g := NewWithT(t)
			h := newHarness(t, "refusal")
			h.start(t)
			refused := step("refused", "")
			refused.Retries = 3
			wfe := newWorkflow(h.ns, "refusal", refused)
			create(t, wfe)
			failChild(t, waitForChild(t, wfe, "refused", 1), reason, "refused for the test", h.clock.Now())
			done := waitForPhase(t, wfe, workflowv1alpha1.WorkflowFailed)
			g.Expect(done.Status.StepStatus("refused")).To(And(
				HaveField("Phase", workflowv1alpha1.StepFailed), HaveField("Reason", reason), HaveField("Attempts", int32(1))))
			g.Expect(done.Status.FailedStep).To(Equal("refused"))
			g.Expect(children(t, wfe)).To(HaveLen(1))
		})
	}
}

func TestWorkflowExecution_passesTheStepTimeoutToTheChild(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, "steptimeout")
	s := h.settings.Load()
	s.StepTimeout = 7 * time.Minute
	h.settings.Set(s)
	h.start(t)
	explicit := step("explicit", "")
	explicit.Timeout = &metav1.Duration{Duration: 90 * time.Second}
	wfe := newWorkflow(h.ns, "steptimeout", explicit, step("defaulted", ""))
	create(t, wfe)
	g.Expect(waitForChild(t, wfe, "explicit", 1).Spec.Timeout.Duration).To(Equal(90 * time.Second))
	g.Expect(waitForChild(t, wfe, "defaulted", 1).Spec.Timeout.Duration).To(Equal(7*time.Minute), "from kubernaut-config")
}

func TestWorkflowExecution_failsWithDeadlineExceededWhenTheWorkflowTimesOut(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, "timeout")
	h.start(t)
	wfe := newWorkflow(h.ns, "timeout", step("long", ""), step("next", "", "long"))
	wfe.Spec.Timeout = &metav1.Duration{Duration: time.Minute}
	create(t, wfe)
	long := waitForChild(t, wfe, "long", 1)
	runChild(t, long, h.clock.Now())
	waitForStep(t, wfe, "long", workflowv1alpha1.StepRunning)

	h.clock.Step(time.Minute + time.Second)
	poke(t, wfe)
	done := waitForPhase(t, wfe, workflowv1alpha1.WorkflowFailed)
	g.Expect(ready(done)).To(And(HaveField("Reason", workflowv1alpha1.DeadlineExceededReason),
		HaveField("Message", "The workflow did not finish within its timeout of 1m0s")))
	g.Expect(done.Status.StepStatus("long")).To(And(HaveField("Phase", workflowv1alpha1.StepCancelled),
		HaveField("Reason", workflowv1alpha1.DeadlineExceededReason)))
	g.Expect(done.Status.StepStatus("next")).To(And(HaveField("Phase", workflowv1alpha1.StepCancelled),
		HaveField("Message", "Never started because the workflow ran out of time")))
	expectDeleted(t, long)
}

func TestWorkflowExecution_cancelStopsRunningStepsAndCancelsTheRest(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, "cancel")
	h.start(t)
	wfe := newWorkflow(h.ns, "cancel", step("first", ""), step("second", "", "first"))
	create(t, wfe)
	first := waitForChild(t, wfe, "first", 1)
	runChild(t, first, h.clock.Now())
	waitForStep(t, wfe, "first", workflowv1alpha1.StepRunning)

	setCancel(t, wfe)
	done := waitForPhase(t, wfe, workflowv1alpha1.WorkflowCancelled)
	g.Expect(ready(done)).To(And(HaveField("Status", metav1.ConditionFalse), HaveField("Reason", workflowv1alpha1.CancelledReason)))
	g.Expect(done.Status.StepStatus("first")).To(And(HaveField("Phase", workflowv1alpha1.StepCancelled),
		HaveField("Message", "Stopped because the workflow was cancelled; its ActionExecution was deleted")))
	g.Expect(done.Status.StepStatus("second")).To(And(HaveField("Phase", workflowv1alpha1.StepCancelled),
		HaveField("Message", "Never started because the workflow was cancelled")))
	expectDeleted(t, first)
	g.Eventually(func(g Gomega) {
		g.Expect(eventReasons(g, wfe)).To(ContainElements("StepCancelled", workflowv1alpha1.CancelledReason))
	}, eventually, poll).Should(Succeed())
}

// A running step whose ActionExecution someone deletes fails at once (it used to wait for the
// workflow's timeout) and is not retried, even with retries left; fail fast then applies.
func TestWorkflowExecution_failsAStepWhoseActionExecutionIsDeletedWhileItRuns(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, "deleted")
	h.start(t)
	first := step("first", "")
	first.Retries = 2
	wfe := newWorkflow(h.ns, "deleted", first, step("second", "", "first"))
	create(t, wfe)
	child := waitForChild(t, wfe, "first", 1)
	runChild(t, child, h.clock.Now())
	waitForStep(t, wfe, "first", workflowv1alpha1.StepRunning)

	g.Expect(env.Client.Delete(context.Background(), child)).To(Succeed())
	done := waitForPhase(t, wfe, workflowv1alpha1.WorkflowFailed)
	g.Expect(done.Status.FailedStep).To(Equal("first"))
	g.Expect(done.Status.StepStatus("first")).To(And(
		HaveField("Phase", workflowv1alpha1.StepFailed), HaveField("Reason", workflowv1alpha1.ChildDeletedReason),
		HaveField("Attempts", int32(1)), HaveField("Message", ContainSubstring(child.Name+" of attempt 1 was deleted while it ran"))))
	g.Expect(done.Status.StepStatus("second")).To(HaveField("Phase", workflowv1alpha1.StepSkipped))
	g.Expect(children(t, wfe)).To(BeEmpty(), "no second attempt was started")
}

// expectDeleted waits until the ActionExecution is gone (envtest has no garbage collector, and
// the ActionExecution has no finalizer here, so a deletion is immediate).
func expectDeleted(t testing.TB, ae *executionv1alpha1.ActionExecution) {
	t.Helper()
	NewWithT(t).Eventually(func() bool {
		err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(ae), &executionv1alpha1.ActionExecution{})
		return apierrors.IsNotFound(err)
	}, eventually, poll).Should(BeTrue(), "ActionExecution %s still exists", ae.Name)
}

func TestWorkflowExecution_failsAStepWhoseInputsCannotBeBuilt(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, "inputs")
	h.start(t)
	wfe := newWorkflow(h.ns, "inputs", step("a", ""), step("b", `{"x":"$(steps.a.outputs.missing)"}`, "a"), step("c", "", "b"))
	create(t, wfe)
	succeedChild(t, waitForChild(t, wfe, "a", 1), `{"present":1}`, h.clock.Now())
	done := waitForPhase(t, wfe, workflowv1alpha1.WorkflowFailed)
	g.Expect(done.Status.FailedStep).To(Equal("b"))
	g.Expect(done.Status.StepStatus("b")).To(And(
		HaveField("Phase", workflowv1alpha1.StepFailed), HaveField("Reason", workflowv1alpha1.InvalidInputsReason),
		HaveField("Message", ContainSubstring("missing")), HaveField("Attempts", int32(0))))
	g.Expect(done.Status.StepStatus("c").Phase).To(Equal(workflowv1alpha1.StepSkipped))
	g.Expect(children(t, wfe)).To(HaveLen(1), "no ActionExecution for a step whose inputs cannot be built")
}

func TestWorkflowExecution_neverAdoptsAChildItDoesNotOwn(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, "foreign")
	wfe := newWorkflow(h.ns, "foreign", step("a", ""))
	key := childKey(wfe, "a", 1)
	create(t, &executionv1alpha1.ActionExecution{
		ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name},
		Spec:       executionv1alpha1.ActionExecutionSpec{ActionType: "test/other"},
	})
	h.start(t)
	create(t, wfe)
	done := waitForPhase(t, wfe, workflowv1alpha1.WorkflowFailed)
	g.Expect(done.Status.StepStatus("a")).To(And(HaveField("Phase", workflowv1alpha1.StepFailed),
		HaveField("Message", fmt.Sprintf("ActionExecution %s already exists and was not created for this WorkflowExecution", key))))
	ae := &executionv1alpha1.ActionExecution{}
	g.Expect(env.Client.Get(context.Background(), key, ae)).To(Succeed())
	g.Expect(ae.Spec.ActionType).To(Equal("test/other"), "the foreign ActionExecution is left alone")
}
