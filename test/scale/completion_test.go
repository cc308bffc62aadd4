package scale_test

import (
	"context"
	"fmt"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// watchCompletion watches the workflows of ns (call it before creating them) and sends nil once
// n of them are Completed, or an error naming the first that ends otherwise, or the timeout.
// A watch rather than polling: listing 200 workflows over and over would load the API server
// the manager is being measured on.
func watchCompletion(ctx context.Context, c client.WithWatch, ns string, n int) (<-chan error, error) {
	w, err := c.Watch(ctx, &workflowv1alpha1.WorkflowExecutionList{}, client.InNamespace(ns))
	if err != nil {
		return nil, fmt.Errorf("watch the workflows of %s: %w", ns, err)
	}
	done := make(chan error, 1)
	go func() {
		defer w.Stop()
		completed := map[string]bool{}
		for ev := range w.ResultChan() {
			wfe, ok := ev.Object.(*workflowv1alpha1.WorkflowExecution)
			if !ok {
				continue
			}
			switch wfe.Status.Phase {
			case workflowv1alpha1.WorkflowCompleted:
				completed[wfe.Name] = true
				if len(completed) == n {
					done <- nil
					return
				}
			case workflowv1alpha1.WorkflowFailed, workflowv1alpha1.WorkflowCancelled:
				done <- fmt.Errorf("workflow %s ended %s (failed step %q): %+v", wfe.Name, wfe.Status.Phase, wfe.Status.FailedStep, wfe.Status.Conditions)
				return
			}
		}
		done <- fmt.Errorf("%d of %d workflows Completed when the watch ended (%v)", len(completed), n, ctx.Err())
	}()
	return done, nil
}

// checkOneJobPerStep asserts what makes the figures honest: every step ran exactly once, with
// one ActionExecution and one Job, and every ActionExecution Succeeded.
func checkOneJobPerStep(b *testing.B, s *stack, ns string, n int) {
	b.Helper()
	ctx := context.Background()
	var jobs batchv1.JobList
	var runs executionv1alpha1.ActionExecutionList
	if err := s.client.List(ctx, &jobs, client.InNamespace(ns)); err != nil {
		b.Fatal(err)
	}
	if err := s.client.List(ctx, &runs, client.InNamespace(ns)); err != nil {
		b.Fatal(err)
	}
	want := n * stepsPerWorkflow
	if len(jobs.Items) != want || len(runs.Items) != want {
		b.Fatalf("%d workflows of %d steps made %d Jobs and %d ActionExecutions, want %d of each", n, stepsPerWorkflow, len(jobs.Items), len(runs.Items), want)
	}
	for _, r := range runs.Items {
		if r.Status.Phase != executionv1alpha1.PhaseSucceeded {
			b.Fatalf("ActionExecution %s is %s, want Succeeded: %+v", r.Name, r.Status.Phase, r.Status.Conditions)
		}
	}
}
