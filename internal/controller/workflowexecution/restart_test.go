package workflowexecution_test

import (
	"context"
	"sort"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

func TestWorkflowExecution_restartedControllerCreatesNoDuplicateChild(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, "restart")
	stopFirst := h.start(t)
	wfe := newWorkflow(h.ns, "restart", step("a", ""), step("b", `{"from":"$(steps.a.outputs.v)"}`, "a"), step("c", "", "b"))
	create(t, wfe)
	succeedChild(t, waitForChild(t, wfe, "a", 1), `{"v":1}`, h.clock.Now())
	b := waitForChild(t, wfe, "b", 1)
	waitForStep(t, wfe, "b", workflowv1alpha1.StepRunning)
	stopFirst()

	// The worst case for a restart: the status write that recorded b's child was lost, and b
	// finished while no controller ran.
	forgetStep(t, wfe, "b")
	succeedChild(t, b, `{}`, h.clock.Now())

	h.start(t)
	succeedChild(t, waitForChild(t, wfe, "c", 1), `{}`, h.clock.Now())
	done := waitForPhase(t, wfe, workflowv1alpha1.WorkflowCompleted)
	g.Expect(done.Status.StepStatus("b")).To(And(HaveField("Attempts", int32(1)), HaveField("ChildRef.Name", b.Name)))
	var names []string
	for _, ae := range children(t, wfe) {
		names = append(names, ae.Labels["kubernaut.ai/step"]+"/"+ae.Labels["kubernaut.ai/attempt"])
	}
	sort.Strings(names)
	g.Expect(names).To(Equal([]string{"a/1", "b/1", "c/1"}), "exactly one ActionExecution per attempt")
}

// forgetStep rewrites a step's status as it was before its first attempt started.
func forgetStep(t testing.TB, wfe *workflowv1alpha1.WorkflowExecution, name string) {
	t.Helper()
	ctx := context.Background()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		got := &workflowv1alpha1.WorkflowExecution{}
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(wfe), got); err != nil {
			return err
		}
		st := got.Status.StepStatus(name)
		*st = workflowv1alpha1.StepStatus{Name: name, Phase: workflowv1alpha1.StepPending, Reason: workflowv1alpha1.WaitingReason}
		return env.Client.Status().Update(ctx, got)
	})
	if err != nil {
		t.Fatalf("rewrite the status of step %s: %v", name, err)
	}
}
