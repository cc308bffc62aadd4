package scale_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

const (
	// actionType is the registry name of the one signed action every step runs.
	actionType = "test/scale"
	// stepsPerWorkflow is the length of every workflow's chain: each step runs after the
	// previous one and takes its output as input, so a workflow is four transitions in a row.
	stepsPerWorkflow = 4
	// runTimeout bounds one scale, well above what 200 workflows need on two shared cores.
	runTimeout = 25 * time.Minute
)

// scales are the numbers of concurrent workflows, the baseline first: the figure is
// the last, and the ratios against the baseline measured in the same run are what compare
// across machines.
var scales = []int{20, 200}

// BenchmarkManager_concurrentFourStepWorkflows runs the real manager binary against a real API
// server and creates N four-step sequential workflows at once, playing the kubelet for every Job
// the manager creates; it measures until all N are Completed. It reports wall time, throughput,
// the manager's API requests per step, and its peak memory (goal, issue 5: ≤ 150 MiB at 200),
// then prints a table with the ratios of the 200 run to the 20 run.
//
//	go test ./test/scale -run '^$' -bench . -benchtime 1x -timeout 30m
func BenchmarkManager_concurrentFourStepWorkflows(b *testing.B) {
	s := startStack(b)
	bin := buildManager(b)
	results := map[int]*scaleResult{}
	for _, n := range scales {
		b.Run(fmt.Sprintf("workflows=%d", n), func(b *testing.B) {
			var r *scaleResult
			for range b.N {
				r = runScale(b, s, bin, n)
			}
			r.report(b, results[scales[0]])
			results[n] = r
		})
	}
	printTable(os.Stdout, results)
}

// runScale runs n workflows on a manager of their own, in namespaces of their own, and
// returns what it measured. Only the workflows' run is timed: not the set-up, not the
// manager's start.
func runScale(b *testing.B, s *stack, bin string, n int) *scaleResult {
	b.StopTimer()
	controllerNS, runsNS := s.newScaleNamespaces(b, n)
	proxy := startProxy(b, s.env.Config)
	m := startManager(b, bin, proxy, controllerNS, runsNS)
	defer m.stop()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	kubeletErrs, err := playKubelet(ctx, s.client, runsNS)
	if err != nil {
		b.Fatal(err)
	}
	completed, err := watchCompletion(ctx, s.client, runsNS, n)
	if err != nil {
		b.Fatal(err)
	}
	before := observe(b, s, m, proxy)

	start := time.Now()
	b.StartTimer()
	createWorkflows(ctx, b, s, runsNS, n)
	select {
	case err := <-completed:
		if err != nil {
			b.Fatalf("%v; manager log: %s", err, m.logPath)
		}
	case err := <-kubeletErrs:
		b.Fatalf("playing the kubelet: %v", err)
	case <-m.exited:
		b.Fatalf("the manager exited (%v); log: %s", m.waitErr, m.logPath)
	}
	b.StopTimer()
	r := &scaleResult{workflows: n, wall: time.Since(start), settled: settle(proxy)}
	before.measure(b, s, m, proxy, r)
	r.events = eventCounts(b, s, runsNS)
	checkOneJobPerStep(b, s, runsNS, n)
	return r
}

// createWorkflows creates n workflows at once, from a few goroutines, as many users would.
func createWorkflows(ctx context.Context, b *testing.B, s *stack, ns string, n int) {
	b.Helper()
	const creators = 8
	errs := make(chan error, creators)
	for c := range creators {
		go func() {
			var err error
			for i := c; i < n && err == nil; i += creators {
				err = s.client.Create(ctx, fourStepWorkflow(ns, fmt.Sprintf("wf-%03d", i)))
			}
			errs <- err
		}()
	}
	for range creators {
		if err := <-errs; err != nil {
			b.Fatalf("create workflow: %v", err)
		}
	}
}

// fourStepWorkflow chains four steps of the action, each taking the previous one's output as
// its replicas input, so that every transition also resolves an output reference.
func fourStepWorkflow(ns, name string) *workflowv1alpha1.WorkflowExecution {
	steps := make([]workflowv1alpha1.WorkflowStep, stepsPerWorkflow)
	for i := range steps {
		steps[i] = workflowv1alpha1.WorkflowStep{Name: fmt.Sprintf("step-%d", i+1), ActionType: actionType}
		inputs := `{"deployment":"web"}`
		if i > 0 {
			prev := steps[i-1].Name
			steps[i].RunAfter = []string{prev}
			inputs = fmt.Sprintf(`{"deployment":"web","replicas":"$(steps.%s.outputs.previousReplicas)"}`, prev)
		}
		steps[i].Inputs = &runtime.RawExtension{Raw: []byte(inputs)}
	}
	return &workflowv1alpha1.WorkflowExecution{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       workflowv1alpha1.WorkflowExecutionSpec{Steps: steps},
	}
}
