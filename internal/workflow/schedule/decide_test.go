package schedule

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

func TestDecideStartsReadyStepsWithinTheBudget(t *testing.T) {
	tests := []decideCase{
		{"a new single-step workflow starts its step",
			Facts{Now: t0, MaxParallel: 5, Steps: steps("scale-deployment")},
			stillRunning(Decision{Start: names("scale-deployment")})},
		{"a sequential workflow starts only its first step",
			Facts{Now: t0, MaxParallel: 5, Steps: steps("git-clone", "modify:git-clone", "commit:modify", "pr:commit")},
			stillRunning(Decision{Start: names("git-clone"), Waiting: names("modify", "commit", "pr")})},
		{"a step starts once every runAfter step Completed",
			Facts{Now: t0, MaxParallel: 5, Steps: steps("a=Completed", "b=Completed", "c:a,b")},
			stillRunning(Decision{Start: names("c")})},
		{"a step waits while one of its runAfter steps is still running",
			Facts{Now: t0, MaxParallel: 5, Steps: steps("a=Completed", "b=Running", "c:a,b")},
			stillRunning(Decision{Waiting: names("c")})},
		{"ready steps beyond the budget wait in spec order",
			Facts{Now: t0, MaxParallel: 2, Steps: steps("a", "b", "c", "d")},
			stillRunning(Decision{Start: names("a", "b"), Waiting: names("c", "d")})},
		{"running steps use up the budget",
			Facts{Now: t0, MaxParallel: 2, Steps: steps("a=Running", "b", "c")},
			stillRunning(Decision{Start: names("b"), Waiting: names("c")})},
		{"a full budget starts nothing",
			Facts{Now: t0, MaxParallel: 1, Steps: steps("a=Running", "b")},
			stillRunning(Decision{Waiting: names("b")})},
		{"more running steps than the budget (a lowered limit) start nothing",
			Facts{Now: t0, MaxParallel: 1, Steps: steps("a=Running", "b=Running", "c")},
			stillRunning(Decision{Waiting: names("c")})},
		{"a budget below one counts as one",
			Facts{Now: t0, MaxParallel: 0, Steps: steps("a", "b")},
			stillRunning(Decision{Start: names("a"), Waiting: names("b")})},
		{"a step declared before its dependency waits for it",
			Facts{Now: t0, MaxParallel: 5, Steps: steps("deploy:build", "build")},
			stillRunning(Decision{Start: names("build"), Waiting: names("deploy")})},
		{"a step after an unknown name waits rather than starting",
			Facts{Now: t0, MaxParallel: 5, Steps: steps("a:ghost")},
			stillRunning(Decision{Waiting: names("a")})},
		{"steps on a cycle wait rather than starting",
			Facts{Now: t0, MaxParallel: 5, Steps: steps("a:b", "b:a", "c")},
			stillRunning(Decision{Start: names("c"), Waiting: names("a", "b")})},
		{"running steps keep the workflow running",
			Facts{Now: t0, MaxParallel: 5, Steps: steps("a=Completed", "b=Running")},
			stillRunning(Decision{})},
	}
	runDecideTable(t, tests)
}

func TestDecideHonoursRetryBackoff(t *testing.T) {
	tests := []decideCase{
		{"a step in backoff waits and the workflow looks again when the backoff ends",
			Facts{Now: t0, MaxParallel: 5, Steps: retryAt(steps("a"), "a", t0.Add(20*time.Second))},
			stillRunning(Decision{Waiting: names("a"), RequeueAfter: 20 * time.Second})},
		{"a step whose backoff ended starts",
			Facts{Now: t0, MaxParallel: 5, Steps: retryAt(steps("a"), "a", t0)},
			stillRunning(Decision{Start: names("a")})},
		{"a step whose backoff ended still waits for a parallel slot, without a timer",
			Facts{Now: t0, MaxParallel: 1, Steps: retryAt(steps("x=Running", "a"), "a", t0.Add(-time.Second))},
			stillRunning(Decision{Waiting: names("a")})},
		{"the earliest of several backoffs decides the requeue",
			Facts{Now: t0, MaxParallel: 5, Steps: retryAt(retryAt(steps("a", "b"), "a", t0.Add(time.Minute)), "b", t0.Add(10*time.Second))},
			stillRunning(Decision{Waiting: names("a", "b"), RequeueAfter: 10 * time.Second})},
		{"a deadline sooner than the backoff decides the requeue",
			Facts{Now: t0, MaxParallel: 5, Deadline: t0.Add(5 * time.Second), Steps: retryAt(steps("a"), "a", t0.Add(time.Minute))},
			stillRunning(Decision{Waiting: names("a"), RequeueAfter: 5 * time.Second})},
		{"a running workflow with a deadline looks again at the deadline",
			Facts{Now: t0, MaxParallel: 5, Deadline: t0.Add(30 * time.Minute), Steps: steps("a=Running", "b:a")},
			stillRunning(Decision{Waiting: names("b"), RequeueAfter: 30 * time.Minute})},
	}
	runDecideTable(t, tests)
}

func TestDecideFailsFast(t *testing.T) {
	tests := []decideCase{
		{"dependants of a failed step are skipped and the workflow fails naming the step",
			Facts{Now: t0, MaxParallel: 5, Steps: steps("git-clone=Completed", "modify:git-clone=Failed", "commit:modify", "pr:commit")},
			Decision{
				Skip: []Skip{
					skip("commit", workflowv1alpha1.UpstreamNotCompletedReason),
					skip("pr", workflowv1alpha1.UpstreamNotCompletedReason),
				},
				Phase: workflowv1alpha1.WorkflowFailed, Reason: workflowv1alpha1.StepFailedReason, FailedStep: "modify",
			}},
		{"independent pending steps are skipped too, with reason StepFailed",
			Facts{Now: t0, MaxParallel: 5, Steps: steps("a=Failed", "b:a", "c")},
			Decision{
				Skip: []Skip{
					skip("b", workflowv1alpha1.UpstreamNotCompletedReason),
					skip("c", workflowv1alpha1.StepFailedReason),
				},
				Phase: workflowv1alpha1.WorkflowFailed, Reason: workflowv1alpha1.StepFailedReason, FailedStep: "a",
			}},
		{"running steps finish after a failure, so the workflow is still running",
			Facts{Now: t0, MaxParallel: 5, Steps: steps("a=Failed", "b=Running", "c:b")},
			stillRunning(Decision{Skip: []Skip{skip("c", workflowv1alpha1.StepFailedReason)}})},
		{"a ready step does not start after a failure",
			Facts{Now: t0, MaxParallel: 5, Steps: steps("a=Completed", "b=Failed", "c:a")},
			Decision{
				Skip:  []Skip{skip("c", workflowv1alpha1.StepFailedReason)},
				Phase: workflowv1alpha1.WorkflowFailed, Reason: workflowv1alpha1.StepFailedReason, FailedStep: "b",
			}},
		{"the first failed step in spec order is named",
			Facts{Now: t0, MaxParallel: 5, Steps: steps("a=Completed", "b=Failed", "c=Failed")},
			Decision{Phase: workflowv1alpha1.WorkflowFailed, Reason: workflowv1alpha1.StepFailedReason, FailedStep: "b"}},
		{"a transitive dependant is skipped as not completed upstream, whatever the declaration order",
			Facts{Now: t0, MaxParallel: 5, Steps: steps("d:c", "c:b", "b:a", "a=Failed")},
			Decision{
				Skip: []Skip{
					skip("d", workflowv1alpha1.UpstreamNotCompletedReason),
					skip("c", workflowv1alpha1.UpstreamNotCompletedReason),
					skip("b", workflowv1alpha1.UpstreamNotCompletedReason),
				},
				Phase: workflowv1alpha1.WorkflowFailed, Reason: workflowv1alpha1.StepFailedReason, FailedStep: "a",
			}},
		{"a skipped upstream skips its dependants",
			Facts{Now: t0, MaxParallel: 5, Steps: steps("a=Failed", "b:a=Skipped", "c:b")},
			Decision{
				Skip:  []Skip{skip("c", workflowv1alpha1.UpstreamNotCompletedReason)},
				Phase: workflowv1alpha1.WorkflowFailed, Reason: workflowv1alpha1.StepFailedReason, FailedStep: "a",
			}},
		{"a cancelled upstream skips its dependants while other steps go on",
			Facts{Now: t0, MaxParallel: 5, Steps: steps("a=Cancelled", "b:a", "c")},
			stillRunning(Decision{Start: names("c"), Skip: []Skip{skip("b", workflowv1alpha1.UpstreamNotCompletedReason)}})},
		{"a step in backoff is skipped when another step failed",
			Facts{Now: t0, MaxParallel: 5, Steps: retryAt(steps("a=Failed", "b"), "b", t0.Add(time.Minute))},
			Decision{
				Skip:  []Skip{skip("b", workflowv1alpha1.StepFailedReason)},
				Phase: workflowv1alpha1.WorkflowFailed, Reason: workflowv1alpha1.StepFailedReason, FailedStep: "a",
			}},
	}
	runDecideTable(t, tests)
}

func TestDecideCancelsAndEnforcesTheDeadline(t *testing.T) {
	tests := []decideCase{
		{"cancel stops running steps and cancels pending ones",
			Facts{Now: t0, MaxParallel: 5, Cancel: true, Steps: steps("a=Completed", "b:a=Running", "c:a=Running", "d:b,c")},
			Decision{Stop: names("b", "c"), Cancel: names("d"),
				Phase: workflowv1alpha1.WorkflowCancelled, Reason: workflowv1alpha1.CancelledReason}},
		{"cancel before anything started cancels every step",
			Facts{Now: t0, MaxParallel: 5, Cancel: true, Steps: steps("a", "b:a")},
			Decision{Cancel: names("a", "b"), Phase: workflowv1alpha1.WorkflowCancelled, Reason: workflowv1alpha1.CancelledReason}},
		{"cancel during fail fast stops the running steps and cancels the rest",
			Facts{Now: t0, MaxParallel: 5, Cancel: true, Steps: steps("a=Failed", "b=Running", "c:a")},
			Decision{Stop: names("b"), Cancel: names("c"), Phase: workflowv1alpha1.WorkflowCancelled, Reason: workflowv1alpha1.CancelledReason}},
		{"a passed deadline stops everything and fails the workflow",
			Facts{Now: t0, MaxParallel: 5, Deadline: t0.Add(-time.Second), Steps: steps("a=Running", "b:a")},
			Decision{Stop: names("a"), Cancel: names("b"),
				Phase: workflowv1alpha1.WorkflowFailed, Reason: workflowv1alpha1.DeadlineExceededReason}},
		{"the deadline is passed at the very instant it is reached",
			Facts{Now: t0, MaxParallel: 5, Deadline: t0, Steps: steps("a")},
			Decision{Cancel: names("a"), Phase: workflowv1alpha1.WorkflowFailed, Reason: workflowv1alpha1.DeadlineExceededReason}},
		{"cancel wins over a passed deadline",
			Facts{Now: t0, MaxParallel: 5, Cancel: true, Deadline: t0.Add(-time.Hour), Steps: steps("a=Running")},
			Decision{Stop: names("a"), Phase: workflowv1alpha1.WorkflowCancelled, Reason: workflowv1alpha1.CancelledReason}},
		{"cancel after every step completed leaves the workflow completed",
			Facts{Now: t0, MaxParallel: 5, Cancel: true, Steps: steps("a=Completed", "b=Completed")},
			Decision{Phase: workflowv1alpha1.WorkflowCompleted, Reason: workflowv1alpha1.SucceededReason}},
		{"a deadline passed after the workflow failed keeps the step failure as the reason",
			Facts{Now: t0, MaxParallel: 5, Deadline: t0.Add(-time.Minute), Steps: steps("a=Failed", "b=Skipped")},
			Decision{Phase: workflowv1alpha1.WorkflowFailed, Reason: workflowv1alpha1.StepFailedReason, FailedStep: "a"}},
	}
	runDecideTable(t, tests)
}

func TestDecideDerivesTheFinalPhase(t *testing.T) {
	tests := []decideCase{
		{"every step completed completes the workflow",
			Facts{Now: t0, MaxParallel: 5, Steps: steps("a=Completed", "b:a=Completed")},
			Decision{Phase: workflowv1alpha1.WorkflowCompleted, Reason: workflowv1alpha1.SucceededReason}},
		{"a workflow without steps is complete",
			Facts{Now: t0, MaxParallel: 5},
			Decision{Phase: workflowv1alpha1.WorkflowCompleted, Reason: workflowv1alpha1.SucceededReason}},
		{"cancelled steps with nothing pending leave the workflow cancelled",
			Facts{Now: t0, MaxParallel: 5, Steps: steps("a=Completed", "b=Cancelled", "c:b=Cancelled")},
			Decision{Phase: workflowv1alpha1.WorkflowCancelled, Reason: workflowv1alpha1.CancelledReason}},
		{"skipped steps without a failed or cancelled cause never count as completed",
			Facts{Now: t0, MaxParallel: 5, Steps: steps("a=Completed", "b=Skipped")},
			Decision{Phase: workflowv1alpha1.WorkflowFailed, Reason: workflowv1alpha1.StepFailedReason}},
	}
	runDecideTable(t, tests)
}

// decideCase is one row of a Decide table.
type decideCase struct {
	name  string
	facts Facts
	want  Decision
}

func runDecideTable(t *testing.T, tests []decideCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Decide(tt.facts)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decide mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAfterAttempt(t *testing.T) {
	finished := t0.Add(time.Minute)
	backoff := func(retry int) time.Duration { return time.Duration(retry) * 10 * time.Second }
	at := func(d time.Duration) *time.Time { r := finished.Add(d); return &r }
	tests := []struct {
		name      string
		attempt   Attempt
		backoff   func(int) time.Duration
		wantPhase workflowv1alpha1.StepPhase
		wantRetry *time.Time
	}{
		{"a successful attempt completes the step",
			Attempt{Succeeded: true, Retryable: true, Attempts: 1, Retries: 3, FinishedAt: finished}, backoff, completed, nil},
		{"a failure without retries fails the step",
			Attempt{Retryable: true, Attempts: 1, FinishedAt: finished}, backoff, failed, nil},
		{"a first failure with a retry left waits for the first backoff",
			Attempt{Retryable: true, Attempts: 1, Retries: 2, FinishedAt: finished}, backoff, pending, at(10 * time.Second)},
		{"the last allowed retry waits for a longer backoff",
			Attempt{Retryable: true, Attempts: 2, Retries: 2, FinishedAt: finished}, backoff, pending, at(20 * time.Second)},
		{"a failure after every retry fails the step",
			Attempt{Retryable: true, Attempts: 3, Retries: 2, FinishedAt: finished}, backoff, failed, nil},
		{"a refusal is never retried",
			Attempt{Retryable: false, Attempts: 1, Retries: 5, FinishedAt: finished}, backoff, failed, nil},
		{"no backoff function retries at once",
			Attempt{Retryable: true, Attempts: 1, Retries: 1, FinishedAt: finished}, nil, pending, at(0)},
		{"a negative backoff retries at once rather than in the past",
			Attempt{Retryable: true, Attempts: 1, Retries: 1, FinishedAt: finished},
			func(int) time.Duration { return -time.Hour }, pending, at(0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			phase, retry := AfterAttempt(tt.attempt, tt.backoff)
			if phase != tt.wantPhase {
				t.Errorf("phase = %s, want %s", phase, tt.wantPhase)
			}
			if diff := cmp.Diff(tt.wantRetry, retry); diff != "" {
				t.Errorf("retry time mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAfterAttemptAsksBackoffForTheRetryNumber(t *testing.T) {
	var asked []int
	backoff := func(retry int) time.Duration { asked = append(asked, retry); return time.Second }
	for attempts := int32(1); attempts <= 4; attempts++ {
		AfterAttempt(Attempt{Retryable: true, Attempts: attempts, Retries: 3, FinishedAt: t0}, backoff)
	}
	if diff := cmp.Diff([]int{1, 2, 3}, asked); diff != "" {
		t.Errorf("backoff asked for (-want +got):\n%s", diff)
	}
}
