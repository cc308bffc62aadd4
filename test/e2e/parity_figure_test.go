//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// figureOn runs four parity steps in sequence on engine, alone on the cluster, and reports
// the figure: the wall time from creation to Completed (polled every 100ms) and the
// overhead beyond the step containers' own run time. No step uses the workspace, whose pods
// are deleted when the workflow ends.
func figureOn(t *testing.T, ctx context.Context, c client.Client, engine workflowv1alpha1.Engine) {
	ns := newNamespaceSet(t, c).create(t, ctx, "e2e-parity-figure-")
	steps := []workflowv1alpha1.WorkflowStep{parityStep("s1", nil, map[string]any{"outputs": map[string]any{"count": 1}})}
	for i := 2; i <= 4; i++ {
		prev := fmt.Sprintf("s%d", i-1)
		steps = append(steps, parityStep(fmt.Sprintf("s%d", i), []string{prev},
			map[string]any{"outputs": map[string]any{"message": "after $(steps." + prev + ".outputs.count)", "count": i}}))
	}
	wfe := newWorkflow(ns, "figure", steps...)
	wfe.Annotations = map[string]string{workflowv1alpha1.EngineAnnotation: string(engine)}
	began := time.Now()
	if err := c.Create(ctx, wfe); err != nil {
		t.Fatal(err)
	}
	done := &workflowv1alpha1.WorkflowExecution{}
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, client.ObjectKeyFromObject(wfe), done); err != nil {
			return false, err
		}
		return done.Status.Phase.IsFinished(), nil
	})
	wall := time.Since(began)
	if err != nil {
		t.Fatalf("%s: the figure's workflow did not finish: %v; status %s", engine, err, statusJSON(done))
	}
	assertPhase(t, done, workflowv1alpha1.WorkflowCompleted)
	if done.Status.Engine != engine {
		t.Fatalf("status.engine = %q, want %q", done.Status.Engine, engine)
	}
	ran, n := containerRunTimes(t, ctx, c, done)
	if n != len(steps) {
		t.Fatalf("%s: found the run times of %d step containers, want %d", engine, n, len(steps))
	}
	t.Logf("FIGURE four-step sequential workflow on %s: wall %.1fs (creation -> Completed, polled every 100ms); "+
		"step containers ran %.0fs; overhead %.1fs (container times: 1s resolution)",
		engine, wall.Seconds(), ran.Seconds(), (wall - ran).Seconds())
}

// containerRunTimes sums, over a finished workflow's steps, the action container's run time
// (started → finished) and counts the containers found: the Jobs' pods on the Job engine, the
// TaskRuns' step states (which Tekton's entrypoint records when the action starts and ends) on
// Tekton.
func containerRunTimes(t *testing.T, ctx context.Context, c client.Client, done *workflowv1alpha1.WorkflowExecution) (time.Duration, int) {
	t.Helper()
	var total time.Duration
	n := 0
	if done.Status.Engine == workflowv1alpha1.EngineTekton {
		list := &unstructured.UnstructuredList{}
		list.SetAPIVersion("tekton.dev/v1")
		list.SetKind("TaskRunList")
		if err := c.List(ctx, list, client.InNamespace(done.Namespace), client.MatchingLabels{"tekton.dev/pipelineRun": done.Name}); err != nil {
			t.Fatal(err)
		}
		for _, tr := range list.Items {
			if d, ok := taskRunStepTime(tr); ok {
				total += d
				n++
			}
		}
		return total, n
	}
	for _, s := range done.Status.Steps {
		for _, ae := range childrenOf(t, ctx, c, done, s.Name) {
			if ae.Status.JobRef != nil {
				p := stepPhaseTimes(t, ctx, ae)
				total += p.run
				n++
			}
		}
	}
	return total, n
}

// taskRunStepTime reads the action step's run time from a TaskRun's status.steps.
func taskRunStepTime(tr unstructured.Unstructured) (time.Duration, bool) {
	steps, _, _ := unstructured.NestedSlice(tr.Object, "status", "steps")
	for _, s := range steps {
		step, _ := s.(map[string]any)
		started, _, _ := unstructured.NestedString(step, "terminated", "startedAt")
		finished, _, _ := unstructured.NestedString(step, "terminated", "finishedAt")
		if step["name"] != "action" || started == "" || finished == "" {
			continue
		}
		var from, to metav1.Time
		if from.UnmarshalQueryParameter(started) != nil || to.UnmarshalQueryParameter(finished) != nil {
			return 0, false
		}
		return to.Sub(from.Time), true
	}
	return 0, false
}

// logManagerMemory logs the resident memory of the manager's process on this node, next to
// logTektonMemory's lines for Tekton's.
func logManagerMemory(t *testing.T) {
	t.Helper()
	if found := logProcessMemory(t, "/manager\x00"); found != 1 {
		t.Errorf("found %d Kubernaut manager processes on the node, want 1 (is the test on the node?)", found)
	}
}

// namespaceSet creates the namespaces of many runs and deletes them all at once when the test
// ends: first their workflows and ActionExecutions, while the manager still runs to release
// their finalizers, then the namespaces, waiting until every one is gone.
type namespaceSet struct {
	mu    sync.Mutex
	names []string
}

func newNamespaceSet(t *testing.T, c client.Client) *namespaceSet {
	s := &namespaceSet{}
	t.Cleanup(func() { s.deleteAll(t, c) })
	return s
}

// create creates a namespace named prefix plus a random suffix.
func (s *namespaceSet) create(t *testing.T, ctx context.Context, prefix string) string {
	t.Helper()
	ns, err := suite.client.CoreV1().Namespaces().Create(ctx,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating a namespace %s...: %v", prefix, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.names = append(s.names, ns.Name)
	return ns.Name
}

func (s *namespaceSet) deleteAll(t *testing.T, c client.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for _, ns := range s.names {
		for _, kind := range []client.Object{&workflowv1alpha1.WorkflowExecution{}, &executionv1alpha1.ActionExecution{}} {
			if err := c.DeleteAllOf(ctx, kind, client.InNamespace(ns)); err != nil {
				t.Errorf("deleting the %T objects in %s: %v", kind, ns, err)
			}
		}
	}
	for _, ns := range s.names {
		if err := suite.client.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("deleting namespace %s: %v", ns, err)
		}
	}
	var left []string
	err := wait.PollUntilContextCancel(ctx, time.Second, true, func(ctx context.Context) (bool, error) {
		left = left[:0]
		for _, ns := range s.names {
			if _, err := suite.client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				left = append(left, ns)
			}
		}
		return len(left) == 0, nil
	})
	if err != nil {
		t.Errorf("namespaces %v still there: %v", left, err)
	}
}
