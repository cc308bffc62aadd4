//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// The parity action's registry entries: the image signed with the suite's key, and the same
// image pushed to another repository and never signed.
const (
	parityActionType   = "e2e/parity"
	unsignedActionType = "e2e/parity-unsigned"
)

// engines are the two engines every scenario runs on, in the order their runs are compared.
var engines = []workflowv1alpha1.Engine{workflowv1alpha1.EngineJobs, workflowv1alpha1.EngineTekton}

// TestParity_theSameWorkflowRunsAlikeOnJobsAndOnTekton installs real Tekton, deploys the
// manager (after Tekton, so that it registers the Tekton engine) with a signed SDK test action,
// and runs every scenario unchanged on both engines, chosen by the kubernaut.ai/engine
// annotation. Each run must end as the scenario intends, and the two runs alike: the same
// workflow phase, Ready reason and failed step, and per step the same phase, reason, attempts
// and outputs (messages may differ). Then it measures the same four-step workflow on each
// engine and the memory of Tekton's processes against the manager's.
func TestParity_theSameWorkflowRunsAlikeOnJobsAndOnTekton(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	installTekton(t, ctx)
	key := newSigner(t)
	dir := filepath.Join("testdata", "parity-action")
	contract := filepath.Join(dir, "action-contract.yaml")
	signed := pushAction(t, ctx, "e2e/parity", dir, contract)
	key.sign(t, ctx, signed)
	// The same bytes under another name: its repository holds no signature by the suite's key.
	unsigned := pushAction(t, ctx, "e2e/parity-unsigned", dir, contract)
	c := deployManager(t, ctx, key, map[string]string{parityActionType: signed, unsignedActionType: unsigned})
	digest := signed[strings.LastIndex(signed, "@")+1:]

	scenarios := parityScenarios()
	runs := runAll(t, ctx, c, scenarios)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) { compareRuns(t, ctx, c, sc, runs, digest) })
	}
	t.Run("figures: a four-step sequential workflow on each engine", func(t *testing.T) {
		for _, engine := range engines {
			figureOn(t, ctx, c, engine)
		}
		logTektonMemory(t)
		logManagerMemory(t)
	})
}

// scenario is one workflow run on both engines, with the outcome it must have on each.
type scenario struct {
	name  string
	steps []workflowv1alpha1.WorkflowStep
	// cancelWhenRunning names a step: spec.cancel is set as soon as it runs.
	cancelWhenRunning string
	want              outcome
	// check asserts what the outcome does not show, on each engine's finished run.
	check func(t *testing.T, ctx context.Context, c client.Client, done *workflowv1alpha1.WorkflowExecution)
}

// outcome is what must be the same on both engines.
type outcome struct {
	Phase      workflowv1alpha1.WorkflowPhase
	Reason     string
	FailedStep string
	Steps      map[string]stepOutcome
}

// stepOutcome is one step's part of an outcome. Outputs is canonical JSON (sorted keys, numbers
// exact), "" when the step has none.
type stepOutcome struct {
	Phase    workflowv1alpha1.StepPhase
	Reason   string
	Attempts int32
	Outputs  string
}

// runKey names one run: a scenario on an engine.
type runKey struct {
	scenario string
	engine   workflowv1alpha1.Engine
}

// finishedRun is a run's finished workflow, or why there is none.
type finishedRun struct {
	done *workflowv1alpha1.WorkflowExecution
	err  error
}

// runAll runs every scenario on both engines at once, each run in a namespace of its own, and
// returns the finished workflows. It uses goroutines rather than parallel subtests, which `go
// test` limits to GOMAXPROCS (2 here) at a time.
func runAll(t *testing.T, ctx context.Context, c client.Client, scenarios []scenario) map[runKey]finishedRun {
	t.Helper()
	namespaces := newNamespaceSet(t, c)
	runs := map[runKey]finishedRun{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, sc := range scenarios {
		for _, engine := range engines {
			ns := namespaces.create(t, ctx, "e2e-parity-"+string(engine)+"-")
			wg.Add(1)
			go func() {
				defer wg.Done()
				done, err := runOn(ctx, c, ns, sc, engine)
				mu.Lock()
				defer mu.Unlock()
				runs[runKey{sc.name, engine}] = finishedRun{done, err}
			}()
		}
	}
	wg.Wait()
	return runs
}

// compareRuns asserts that sc ended as intended on each engine, and alike on both.
func compareRuns(t *testing.T, ctx context.Context, c client.Client, sc scenario, runs map[runKey]finishedRun, digest string) {
	got := map[workflowv1alpha1.Engine]outcome{}
	for _, engine := range engines {
		r := runs[runKey{sc.name, engine}]
		if r.err != nil {
			t.Errorf("on %s: %v", engine, r.err)
			continue
		}
		checkVerified(t, r.done, digest)
		if sc.check != nil {
			sc.check(t, ctx, c, r.done)
		}
		got[engine] = outcomeOf(t, r.done)
		if diff := cmp.Diff(canonicalOutcome(t, sc.want), got[engine]); diff != "" {
			t.Errorf("on %s, the outcome differs from the scenario's (-want +got):\n%s", engine, diff)
		}
	}
	if len(got) != len(engines) {
		t.Fatalf("a run did not finish: nothing to compare")
	}
	if diff := cmp.Diff(got[workflowv1alpha1.EngineJobs], got[workflowv1alpha1.EngineTekton]); diff != "" {
		t.Errorf("the engines disagree (-jobs +tekton):\n%s", diff)
	}
}

// runOn runs sc's workflow on engine in ns and returns it finished, after checking that the
// engine asked for is the one that ran it.
func runOn(ctx context.Context, c client.Client, ns string, sc scenario, engine workflowv1alpha1.Engine) (*workflowv1alpha1.WorkflowExecution, error) {
	wfe := newWorkflow(ns, "parity", sc.steps...)
	wfe.Annotations = map[string]string{workflowv1alpha1.EngineAnnotation: string(engine)}
	if err := c.Create(ctx, wfe); err != nil {
		return nil, fmt.Errorf("creating WorkflowExecution %s/%s: %w", ns, wfe.Name, err)
	}
	if sc.cancelWhenRunning != "" {
		if err := cancelWhenRunning(ctx, c, wfe, sc.cancelWhenRunning); err != nil {
			return nil, err
		}
	}
	done := &workflowv1alpha1.WorkflowExecution{}
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 4*time.Minute, true, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, client.ObjectKeyFromObject(wfe), done); err != nil {
			return false, err
		}
		return done.Status.Phase.IsFinished(), nil
	})
	if err != nil {
		return nil, fmt.Errorf("WorkflowExecution %s/%s did not finish: %w; status %s", ns, wfe.Name, err, statusJSON(done))
	}
	if done.Status.Engine != engine {
		return nil, fmt.Errorf("status.engine = %q, want %q (annotation %s)", done.Status.Engine, engine, workflowv1alpha1.EngineAnnotation)
	}
	return done, nil
}

// cancelWhenRunning waits until step runs, then sets spec.cancel.
func cancelWhenRunning(ctx context.Context, c client.Client, wfe *workflowv1alpha1.WorkflowExecution, step string) error {
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, client.ObjectKeyFromObject(wfe), wfe); err != nil {
			return false, err
		}
		st := wfe.Status.StepStatus(step)
		return st != nil && st.Phase == workflowv1alpha1.StepRunning, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for step %s of %s/%s to run: %w", step, wfe.Namespace, wfe.Name, err)
	}
	patch := client.MergeFrom(wfe.DeepCopy())
	wfe.Spec.Cancel = true
	if err := c.Patch(ctx, wfe, patch); err != nil {
		return fmt.Errorf("setting spec.cancel on %s/%s: %w", wfe.Namespace, wfe.Name, err)
	}
	return nil
}

// checkVerified asserts that every step that ran to completion ran the signed image.
func checkVerified(t *testing.T, done *workflowv1alpha1.WorkflowExecution, digest string) {
	t.Helper()
	for _, s := range done.Status.Steps {
		if s.Phase == workflowv1alpha1.StepCompleted && (s.VerifiedDigest != digest || s.Signer == nil) {
			t.Errorf("completed step %s: verifiedDigest %q, signer %+v; want %s signed by the suite's key", s.Name, s.VerifiedDigest, s.Signer, digest)
		}
	}
}

// outcomeOf reads the comparable part of a finished workflow's status.
func outcomeOf(t *testing.T, done *workflowv1alpha1.WorkflowExecution) outcome {
	t.Helper()
	o := outcome{Phase: done.Status.Phase, FailedStep: done.Status.FailedStep, Steps: map[string]stepOutcome{}}
	if ready := meta.FindStatusCondition(done.Status.Conditions, workflowv1alpha1.ReadyCondition); ready != nil {
		o.Reason = ready.Reason
	}
	for _, s := range done.Status.Steps {
		so := stepOutcome{Phase: s.Phase, Reason: s.Reason, Attempts: s.Attempts}
		if s.Outputs != nil {
			so.Outputs = canonicalJSON(t, s.Outputs.Raw)
		}
		o.Steps[s.Name] = so
	}
	return o
}

// canonicalOutcome is want with its outputs in canonical form.
func canonicalOutcome(t *testing.T, want outcome) outcome {
	out := want
	out.Steps = map[string]stepOutcome{}
	for name, s := range want.Steps {
		if s.Outputs != "" {
			s.Outputs = canonicalJSON(t, []byte(s.Outputs))
		}
		out.Steps[name] = s
	}
	return out
}

// canonicalJSON re-encodes a JSON document with sorted keys, keeping numbers exact (2^53+1
// stays 9007199254740993) so that a number rounded by either engine shows as a difference.
func canonicalJSON(t *testing.T, doc []byte) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("outputs %s are not JSON: %v", doc, err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// countTektonObjects counts the objects of a Tekton kind ("PipelineRunList", "TaskRunList")
// in ns.
func countTektonObjects(t *testing.T, ctx context.Context, c client.Client, ns, listKind string) int {
	t.Helper()
	list := &unstructured.UnstructuredList{}
	list.SetAPIVersion("tekton.dev/v1")
	list.SetKind(listKind)
	if err := c.List(ctx, list, client.InNamespace(ns)); err != nil {
		t.Fatalf("listing %s in %s: %v", listKind, ns, err)
	}
	return len(list.Items)
}

// assertNothingRan asserts that no Job and no PipelineRun exist in the workflow's namespace.
func assertNothingRan(t *testing.T, ctx context.Context, c client.Client, done *workflowv1alpha1.WorkflowExecution) {
	t.Helper()
	jobs, err := suite.client.BatchV1().Jobs(done.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n, prs := len(jobs.Items), countTektonObjects(t, ctx, c, done.Namespace, "PipelineRunList"); n != 0 || prs != 0 {
		t.Errorf("a refused workflow left %d Jobs and %d PipelineRuns, want none", n, prs)
	}
}
