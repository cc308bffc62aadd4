package workflowexecution_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/settings"
)

// A finished workflow is kept for workflow.retention after its completion, then deleted (its
// children follow through owner references; envtest has no garbage collector to show that).
// A running workflow is never deleted, however old, and retention 0 keeps finished ones.
func TestWorkflowExecution_deletesAFinishedWorkflowAfterItsRetention(t *testing.T) {
	h := startWithSettings(t, "retention", func(s *settings.Settings) { s.WorkflowRetention = 2 * time.Second })

	running := newWorkflow(h.ns, "running", step("long", ""))
	create(t, running)
	waitForChild(t, running, "long", 1)
	done := completedWorkflow(t, h, "done")

	g := NewWithT(t)
	g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(done), done)).To(Succeed(),
		"kept while its retention has not passed (the fake clock has not moved)")
	h.clock.Step(3 * time.Second)
	g.Eventually(func() bool {
		err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(done), &workflowv1alpha1.WorkflowExecution{})
		return apierrors.IsNotFound(err)
	}, eventually, poll).Should(BeTrue(), "deleted once its retention passed")
	g.Eventually(func(g Gomega) {
		g.Expect(eventReasons(g, done)).To(ContainElement("RetentionExpired"))
	}, eventually, poll).Should(Succeed())
	poke(t, running)
	g.Consistently(func() error {
		return env.Client.Get(context.Background(), client.ObjectKeyFromObject(running), &workflowv1alpha1.WorkflowExecution{})
	}, 2*time.Second, poll).Should(Succeed(), "a running workflow is never deleted by retention")
}

func TestWorkflowExecution_retentionZeroKeepsFinishedWorkflows(t *testing.T) {
	h := startWithSettings(t, "keep", func(s *settings.Settings) { s.WorkflowRetention = 0 })
	wfe := completedWorkflow(t, h, "kept")
	h.clock.Step(400 * 24 * time.Hour)
	poke(t, wfe)
	NewWithT(t).Consistently(func() error {
		return env.Client.Get(context.Background(), client.ObjectKeyFromObject(wfe), &workflowv1alpha1.WorkflowExecution{})
	}, 2*time.Second, poll).Should(Succeed())
}

// A change of kubernaut-config reconciles every workflow: a running one starts the steps a
// higher maxParallelSteps now allows, and a finished one is deleted when a shorter retention has
// already passed, with no other event to wake either.
func TestWorkflowExecution_aSettingsChangeAppliesToExistingWorkflows(t *testing.T) {
	g := NewWithT(t)
	h := startWithSettings(t, "settings", func(s *settings.Settings) { s.MaxParallelSteps = 1 })
	finished := completedWorkflow(t, h, "finished")
	wide := newWorkflow(h.ns, "wide", step("a", ""), step("b", ""), step("c", ""))
	create(t, wide)
	g.Eventually(func() []string { return childNames(t, wide) }, eventually, poll).Should(HaveLen(1))

	h.clock.Step(2 * time.Minute) // past the new retention, within the workflow timeout (30m)
	s := h.settings.Load()
	s.MaxParallelSteps = 3
	s.WorkflowRetention = time.Minute
	h.settings.Set(s)
	g.Eventually(func() []string { return childNames(t, wide) }, eventually, poll).Should(HaveLen(3),
		"the two waiting steps started once the limit was raised")
	g.Eventually(func() bool {
		err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(finished), &workflowv1alpha1.WorkflowExecution{})
		return apierrors.IsNotFound(err)
	}, eventually, poll).Should(BeTrue(), "the finished workflow is past the new retention")
}

// childNames names the ActionExecutions of a workflow.
func childNames(t testing.TB, wfe *workflowv1alpha1.WorkflowExecution) []string {
	var names []string
	for _, c := range children(t, wfe) {
		names = append(names, c.Name)
	}
	return names
}

// startWithSettings starts a harness whose settings are the defaults changed by change.
func startWithSettings(t *testing.T, prefix string, change func(*settings.Settings)) *harness {
	t.Helper()
	h := newHarness(t, prefix)
	s := settings.Defaults()
	change(&s)
	h.settings = settings.NewStore(s)
	h.start(t)
	return h
}

// completedWorkflow runs a one-step workflow to Completed, playing its child.
func completedWorkflow(t *testing.T, h *harness, name string) *workflowv1alpha1.WorkflowExecution {
	t.Helper()
	wfe := newWorkflow(h.ns, name, step("quick", ""))
	create(t, wfe)
	succeedChild(t, waitForChild(t, wfe, "quick", 1), `{}`, h.clock.Now())
	return waitForPhase(t, wfe, workflowv1alpha1.WorkflowCompleted)
}
