//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// Reasons the scenarios expect, as the spec names them (docs/spec/v1alpha1/workflowexecutions.md).
const (
	reasonSucceeded          = "Succeeded"
	reasonJobFailed          = "JobFailed"
	reasonDeadlineExceeded   = "DeadlineExceeded"
	reasonVerificationFailed = "VerificationFailed"
	reasonStepFailed         = "StepFailed"
	reasonUpstreamNotDone    = "UpstreamNotCompleted"
	reasonCancelled          = "Cancelled"
)

// Step phases, short.
const (
	completed = workflowv1alpha1.StepCompleted
	failed    = workflowv1alpha1.StepFailed
	skipped   = workflowv1alpha1.StepSkipped
	cancelled = workflowv1alpha1.StepCancelled
)

// trickyText holds what breaks naive text substitution into JSON: quotes, backslashes, a
// newline, a tab, non-ASCII, U+2028 (which encoding/json escapes), "$(...)" text Tekton would
// substitute if it saw it, and HTML characters.
const trickyText = "quote \" backslash \\ newline\nsecond line\ttab unicode é ✓ 🚀 \u2028 " +
	"dollar $(context.taskRun.name) $HOME <b>&</b>"

// bigNumber is 2^53+1, the first integer a float64 cannot hold.
const bigNumber = json.Number("9007199254740993")

// trickyNested is an object output with an array, an empty object and string, a boolean and
// escapes inside. (A JSON null inside inputs does not reach the action on either engine, so
// there is none.)
var trickyNested = map[string]any{
	"list":  []any{1, "two", map[string]any{"three": false, "empty": map[string]any{}}},
	"empty": "",
	"multi": "line1\nline2 \"q\" \\ é",
}

// dollarNested is an object output holding "$" text.
var dollarNested = map[string]any{"dollar": "$(context.taskRun.name) costs $5"}

// parityScenarios are the scenarios, each with the outcome the spec gives it.
func parityScenarios() []scenario {
	return []scenario{
		singleStep(), gitOpsShape(), fanOutFanIn(),
		trickyValues("tricky output values reach a later step intact, whole and embedded", trickyNested),
		// The SDK escapes "$" in Tekton results so Tekton cannot rewrite them; an object embedded
		// in a longer string must still read "$" on Tekton, as on the Job engine.
		trickyValues("an object output holding $ embedded in a string reads the same on both engines", dollarNested),
		failingMiddle(), retryThenSuccess(), stepTimeout(), cancellation(), unsignedImage(),
	}
}

func singleStep() scenario {
	return scenario{
		name:  "a single step returns its outputs",
		steps: []workflowv1alpha1.WorkflowStep{parityStep("only", nil, map[string]any{"outputs": map[string]any{"message": "hello", "count": 1}})},
		want: outcome{Phase: workflowv1alpha1.WorkflowCompleted, Reason: reasonSucceeded, Steps: map[string]stepOutcome{
			"only": {Phase: completed, Reason: reasonSucceeded, Attempts: 1, Outputs: `{"count":1,"message":"hello"}`},
		}},
	}
}

// gitOpsShape is the seed's GitOps PR workflow: four sequential steps sharing a workspace, each
// reading what the one before wrote and passing outputs on.
func gitOpsShape() scenario {
	steps := []workflowv1alpha1.WorkflowStep{
		parityStep("git-clone", nil, map[string]any{
			"write": map[string]any{"repo/deployment.yaml": "replicas: 3\n"}, "outputs": map[string]any{"text": "abc123", "count": 3}}),
		parityStep("modify-deployment", []string{"git-clone"}, map[string]any{
			"read": []string{"repo/deployment.yaml"}, "write": map[string]any{"repo/deployment.yaml": "replicas: 5\n"},
			"outputs": map[string]any{"message": "replicas $(steps.git-clone.outputs.count) -> 5"}}),
		parityStep("git-commit", []string{"modify-deployment"}, map[string]any{
			"read": []string{"repo/deployment.yaml"}, "write": map[string]any{"repo/COMMIT": "$(steps.modify-deployment.outputs.message)\n"},
			"outputs": map[string]any{"text": "commit of $(steps.git-clone.outputs.text)"}}),
		parityStep("git-push-pr", []string{"git-commit"}, map[string]any{
			"read":    []string{"repo/COMMIT"},
			"outputs": map[string]any{"message": "PR: $(steps.git-commit.outputs.text)", "count": "$(steps.git-clone.outputs.count)"}}),
	}
	for i := range steps {
		steps[i].UsesWorkspace = true
	}
	return scenario{
		name:  "the seed's four-step GitOps shape shares a workspace and passes outputs on",
		steps: steps,
		want: outcome{Phase: workflowv1alpha1.WorkflowCompleted, Reason: reasonSucceeded, Steps: map[string]stepOutcome{
			"git-clone": {Phase: completed, Reason: reasonSucceeded, Attempts: 1, Outputs: `{"count":3,"text":"abc123"}`},
			"modify-deployment": {Phase: completed, Reason: reasonSucceeded, Attempts: 1,
				Outputs: `{"files":{"repo/deployment.yaml":"replicas: 3\n"},"message":"replicas 3 -> 5"}`},
			"git-commit": {Phase: completed, Reason: reasonSucceeded, Attempts: 1,
				Outputs: `{"files":{"repo/deployment.yaml":"replicas: 5\n"},"text":"commit of abc123"}`},
			"git-push-pr": {Phase: completed, Reason: reasonSucceeded, Attempts: 1,
				Outputs: `{"count":3,"files":{"repo/COMMIT":"replicas 3 -> 5\n"},"message":"PR: commit of abc123"}`},
		}},
		check: assertWorkspaceFreed,
	}
}

func fanOutFanIn() scenario {
	return scenario{
		name: "fan-out and fan-in pass the branches' outputs to the joining step",
		steps: []workflowv1alpha1.WorkflowStep{
			parityStep("start", nil, map[string]any{"outputs": map[string]any{"text": "seed"}}),
			parityStep("left", []string{"start"}, map[string]any{"outputs": map[string]any{"text": "left of $(steps.start.outputs.text)"}}),
			parityStep("right", []string{"start"}, map[string]any{"outputs": map[string]any{"text": "right of $(steps.start.outputs.text)"}}),
			parityStep("join", []string{"left", "right"}, map[string]any{"outputs": map[string]any{
				"nested":  map[string]any{"left": "$(steps.left.outputs.text)", "right": "$(steps.right.outputs.text)"},
				"message": "$(steps.left.outputs.text) + $(steps.right.outputs.text)"}}),
		},
		want: outcome{Phase: workflowv1alpha1.WorkflowCompleted, Reason: reasonSucceeded, Steps: map[string]stepOutcome{
			"start": {Phase: completed, Reason: reasonSucceeded, Attempts: 1, Outputs: `{"text":"seed"}`},
			"left":  {Phase: completed, Reason: reasonSucceeded, Attempts: 1, Outputs: `{"text":"left of seed"}`},
			"right": {Phase: completed, Reason: reasonSucceeded, Attempts: 1, Outputs: `{"text":"right of seed"}`},
			"join": {Phase: completed, Reason: reasonSucceeded, Attempts: 1,
				Outputs: `{"message":"left of seed + right of seed","nested":{"left":"left of seed","right":"right of seed"}}`},
		}},
	}
}

// trickyValues passes awkward outputs to a later step whole (keeping their JSON type) and
// embedded in a longer string (as their text: a string's content, anything else its JSON as the
// Job engine stores it, which is how encoding/json writes it).
func trickyValues(name string, nested map[string]any) scenario {
	produced := map[string]any{"text": trickyText, "big": bigNumber, "nested": nested}
	consumed := map[string]any{"text": trickyText, "big": bigNumber, "nested": nested,
		"embedded": "before <" + trickyText + "> big=" + string(bigNumber) + " nested=" + mustJSON(nested) + " after"}
	return scenario{
		name: name,
		steps: []workflowv1alpha1.WorkflowStep{
			parityStep("produce", nil, map[string]any{"outputs": produced}),
			parityStep("consume", []string{"produce"}, map[string]any{"outputs": map[string]any{
				"text": "$(steps.produce.outputs.text)", "big": "$(steps.produce.outputs.big)", "nested": "$(steps.produce.outputs.nested)",
				"embedded": "before <$(steps.produce.outputs.text)> big=$(steps.produce.outputs.big) nested=$(steps.produce.outputs.nested) after"}}),
		},
		want: outcome{Phase: workflowv1alpha1.WorkflowCompleted, Reason: reasonSucceeded, Steps: map[string]stepOutcome{
			"produce": {Phase: completed, Reason: reasonSucceeded, Attempts: 1, Outputs: mustJSON(produced)},
			"consume": {Phase: completed, Reason: reasonSucceeded, Attempts: 1, Outputs: mustJSON(consumed)},
		}},
	}
}

func failingMiddle() scenario {
	return scenario{
		name: "a failing middle step fails the workflow and skips its dependants",
		steps: []workflowv1alpha1.WorkflowStep{
			parityStep("first", nil, map[string]any{"outputs": map[string]any{"message": "first"}}),
			parityStep("middle", []string{"first"}, map[string]any{"fail": "the middle step fails on purpose"}),
			parityStep("after", []string{"middle"}, nil),
		},
		want: outcome{Phase: workflowv1alpha1.WorkflowFailed, Reason: reasonStepFailed, FailedStep: "middle", Steps: map[string]stepOutcome{
			"first":  {Phase: completed, Reason: reasonSucceeded, Attempts: 1, Outputs: `{"message":"first"}`},
			"middle": {Phase: failed, Reason: reasonJobFailed, Attempts: 1},
			"after":  {Phase: skipped, Reason: reasonUpstreamNotDone},
		}},
	}
}

// retryThenSuccess fails a step's first attempt (it finds no marker in the workspace and
// leaves one) and lets its retry succeed; the next step reads the marker.
func retryThenSuccess() scenario {
	flaky := parityStep("flaky", nil, map[string]any{"failUnlessMarker": "marker", "outputs": map[string]any{"message": "passed"}})
	flaky.Retries, flaky.UsesWorkspace = 1, true
	after := parityStep("after", []string{"flaky"}, map[string]any{"read": []string{"marker"}})
	after.UsesWorkspace = true
	return scenario{
		name:  "a failed attempt is retried and the retry succeeds",
		steps: []workflowv1alpha1.WorkflowStep{flaky, after},
		want: outcome{Phase: workflowv1alpha1.WorkflowCompleted, Reason: reasonSucceeded, Steps: map[string]stepOutcome{
			"flaky": {Phase: completed, Reason: reasonSucceeded, Attempts: 2, Outputs: `{"message":"passed"}`},
			"after": {Phase: completed, Reason: reasonSucceeded, Attempts: 1, Outputs: `{"files":{"marker":"seen\n"}}`},
		}},
	}
}

func stepTimeout() scenario {
	slow := parityStep("slow", nil, map[string]any{"sleepSeconds": 300})
	slow.Timeout = &metav1.Duration{Duration: 5 * time.Second}
	return scenario{
		name:  "a step that runs past its timeout fails with DeadlineExceeded",
		steps: []workflowv1alpha1.WorkflowStep{slow, parityStep("after", []string{"slow"}, nil)},
		want: outcome{Phase: workflowv1alpha1.WorkflowFailed, Reason: reasonStepFailed, FailedStep: "slow", Steps: map[string]stepOutcome{
			"slow":  {Phase: failed, Reason: reasonDeadlineExceeded, Attempts: 1},
			"after": {Phase: skipped, Reason: reasonUpstreamNotDone},
		}},
	}
}

func cancellation() scenario {
	return scenario{
		name: "spec.cancel stops the running step and cancels the rest",
		steps: []workflowv1alpha1.WorkflowStep{
			parityStep("sleeper", nil, map[string]any{"sleepSeconds": 300}),
			parityStep("after", []string{"sleeper"}, nil),
		},
		cancelWhenRunning: "sleeper",
		want: outcome{Phase: workflowv1alpha1.WorkflowCancelled, Reason: reasonCancelled, Steps: map[string]stepOutcome{
			"sleeper": {Phase: cancelled, Reason: reasonCancelled, Attempts: 1},
			"after":   {Phase: cancelled, Reason: reasonCancelled},
		}},
	}
}

func unsignedImage() scenario {
	refused := parityStep("refused", nil, nil)
	refused.ActionType = unsignedActionType
	return scenario{
		name:  "an unsigned image is refused before anything runs",
		steps: []workflowv1alpha1.WorkflowStep{refused, parityStep("after", []string{"refused"}, nil)},
		want: outcome{Phase: workflowv1alpha1.WorkflowFailed, Reason: reasonStepFailed, FailedStep: "refused", Steps: map[string]stepOutcome{
			"refused": {Phase: failed, Reason: reasonVerificationFailed, Attempts: 1},
			"after":   {Phase: skipped, Reason: reasonUpstreamNotDone},
		}},
		check: func(t *testing.T, ctx context.Context, c client.Client, done *workflowv1alpha1.WorkflowExecution) {
			assertNothingRan(t, ctx, c, done)
		},
	}
}

// parityStep is a step of the parity action with the given inputs (nil: none).
func parityStep(name string, runAfter []string, inputs map[string]any) workflowv1alpha1.WorkflowStep {
	step := workflowv1alpha1.WorkflowStep{Name: name, ActionType: parityActionType, RunAfter: runAfter}
	if inputs != nil {
		step.Inputs = &runtime.RawExtension{Raw: []byte(mustJSON(inputs))}
	}
	return step
}

// mustJSON encodes values built in this file, which always encode.
func mustJSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encoding %#v: %v", v, err))
	}
	return string(data)
}

// assertWorkspaceFreed asserts that the workspace claim named in the status is deleted soon
// after the workflow ended, as the spec says for both engines; when it is not, it shows what
// holds it.
func assertWorkspaceFreed(t *testing.T, ctx context.Context, _ client.Client, done *workflowv1alpha1.WorkflowExecution) {
	t.Helper()
	name := done.Status.WorkspacePVC
	if name == "" {
		t.Fatal("status.workspacePVC is empty for a workflow whose steps use the workspace")
	}
	claims := suite.client.CoreV1().PersistentVolumeClaims(done.Namespace)
	pvc := &corev1.PersistentVolumeClaim{}
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		got, err := claims.Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			pvc = got
		}
		return apierrors.IsNotFound(err), nil
	})
	if err == nil {
		return
	}
	var holders []string
	if pods, err := suite.client.CoreV1().Pods(done.Namespace).List(ctx, metav1.ListOptions{}); err == nil {
		for _, p := range pods.Items {
			for _, v := range p.Spec.Volumes {
				if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == name {
					holders = append(holders, fmt.Sprintf("%s (%s, deleting %v)", p.Name, p.Status.Phase, p.DeletionTimestamp != nil))
				}
			}
		}
	}
	t.Errorf("workspace claim %s/%s still exists a minute after the workflow ended: deletionTimestamp %v, finalizers %v; pods mounting it: %v",
		done.Namespace, name, pvc.DeletionTimestamp, pvc.Finalizers, holders)
}
