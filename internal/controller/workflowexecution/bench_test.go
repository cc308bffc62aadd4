package workflowexecution_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/controller/workflowexecution"
)

// chainLength bounds the steps of one benchmark workflow; longer runs use several workflows.
const chainLength = 100

// BenchmarkWorkflowExecution_stepTransition measures the controller's overhead per step
// transition on the real API server: from the moment the test writes a step's ActionExecution
// Succeeded to the moment the next step's ActionExecution is created (seen through a watch, so
// the measurement is not rounded to a poll). The test plays the ActionExecution controller; the
// workflows are sequential chains. As with real actions, which run for seconds, a step completes
// only once the controller has recorded its start, so a transition never queues behind the
// previous one's status write. It reports p50 and p99 (goal, issue 5: p50 ≤ 100 ms).
//
//	go test ./internal/controller/workflowexecution -run '^$' -bench stepTransition -benchtime 30x
func BenchmarkWorkflowExecution_stepTransition(b *testing.B) {
	h := newHarness(b, "bench")
	h.start(b)
	wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Client.Scheme()})
	if err != nil {
		b.Fatal(err)
	}
	benchChain(b, h, wc, "warm-up", 2) // informers, connections and the work queue are up
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i, left := 0, b.N; left > 0; i++ {
		n := min(left, chainLength)
		durations = append(durations, benchChain(b, h, wc, fmt.Sprintf("chain-%d", i), n)...)
		left -= n
	}
	b.StopTimer()
	slices.Sort(durations)
	var total time.Duration
	for _, d := range durations {
		total += d
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(len(durations)), "ns/op")
	b.ReportMetric(float64(percentile(durations, 50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(durations, 99).Microseconds())/1000, "p99-ms")
}

// benchChain runs a sequential workflow of transitions+1 steps and returns the time of each
// transition.
func benchChain(b *testing.B, h *harness, wc client.WithWatch, name string, transitions int) []time.Duration {
	b.Helper()
	var steps []workflowv1alpha1.WorkflowStep
	for i := range transitions + 1 {
		s := step(fmt.Sprintf("s%03d", i), "")
		if i > 0 {
			s.RunAfter = []string{steps[i-1].Name}
		}
		steps = append(steps, s)
	}
	wfe := newWorkflow(h.ns, name, steps...)
	added := watchChildren(b, wc, wfe)
	recorded := watchRunningSteps(b, wc, wfe)
	create(b, wfe)
	ae := next(b, added, name)
	durations := make([]time.Duration, 0, transitions)
	for i := range transitions {
		awaitRunning(b, recorded, steps[i].Name)
		start := time.Now()
		completeForBench(b, ae, h.clock.Now())
		ae = next(b, added, name)
		durations = append(durations, time.Since(start))
	}
	completeForBench(b, ae, h.clock.Now())
	waitForPhase(b, wfe, workflowv1alpha1.WorkflowCompleted)
	return durations
}

// completeForBench writes the ActionExecution Succeeded in one request, from the object the
// watch delivered.
func completeForBench(b *testing.B, ae *executionv1alpha1.ActionExecution, at time.Time) {
	b.Helper()
	s := &ae.Status
	verified(s, at)
	s.Phase = executionv1alpha1.PhaseSucceeded
	s.CompletionTime = s.StartTime.DeepCopy()
	s.Conditions = append(s.Conditions[:0], readyCondition("True", executionv1alpha1.SucceededReason, "done", at))
	if err := env.Client.Status().Update(context.Background(), ae); err != nil {
		b.Fatalf("complete %s: %v", ae.Name, err)
	}
}

// watchChildren returns a channel that receives the workflow's ActionExecutions as they are
// created.
func watchChildren(b *testing.B, wc client.WithWatch, wfe *workflowv1alpha1.WorkflowExecution) <-chan *executionv1alpha1.ActionExecution {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	w, err := wc.Watch(ctx, &executionv1alpha1.ActionExecutionList{}, client.InNamespace(wfe.Namespace),
		client.MatchingLabels{workflowexecution.LabelWorkflow: wfe.Name})
	if err != nil {
		cancel()
		b.Fatal(err)
	}
	added := make(chan *executionv1alpha1.ActionExecution, chainLength+1)
	go func() {
		defer cancel()
		defer w.Stop()
		defer close(added)
		for ev := range w.ResultChan() {
			if ae, ok := ev.Object.(*executionv1alpha1.ActionExecution); ok && ev.Type == watch.Added {
				added <- ae
			}
		}
	}()
	b.Cleanup(cancel)
	return added
}

// watchRunningSteps returns a channel that receives the name of every step the workflow's status
// records as Running, in order.
func watchRunningSteps(b *testing.B, wc client.WithWatch, wfe *workflowv1alpha1.WorkflowExecution) <-chan string {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	w, err := wc.Watch(ctx, &workflowv1alpha1.WorkflowExecutionList{}, client.InNamespace(wfe.Namespace),
		client.MatchingFields{"metadata.name": wfe.Name})
	if err != nil {
		cancel()
		b.Fatal(err)
	}
	running := make(chan string, chainLength+1)
	go func() {
		defer cancel()
		defer w.Stop()
		defer close(running)
		seen := map[string]bool{}
		for ev := range w.ResultChan() {
			got, ok := ev.Object.(*workflowv1alpha1.WorkflowExecution)
			if !ok {
				continue
			}
			for _, st := range got.Status.Steps {
				if st.Phase == workflowv1alpha1.StepRunning && !seen[st.Name] {
					seen[st.Name] = true
					running <- st.Name
				}
			}
		}
	}()
	b.Cleanup(cancel)
	return running
}

// awaitRunning waits until the status records the step as Running.
func awaitRunning(b *testing.B, running <-chan string, step string) {
	b.Helper()
	for {
		select {
		case name, ok := <-running:
			if !ok {
				b.Fatalf("the watch of the workflow ended before step %s ran", step)
			}
			if name == step {
				return
			}
		case <-time.After(eventually):
			b.Fatalf("step %s not recorded as Running within %s", step, eventually)
		}
	}
}

// next waits for the next created ActionExecution.
func next(b *testing.B, added <-chan *executionv1alpha1.ActionExecution, workflow string) *executionv1alpha1.ActionExecution {
	b.Helper()
	select {
	case ae, ok := <-added:
		if !ok {
			b.Fatalf("the watch of %s's ActionExecutions ended", workflow)
		}
		return ae
	case <-time.After(eventually):
		b.Fatalf("no next ActionExecution of %s within %s", workflow, eventually)
		return nil
	}
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}
