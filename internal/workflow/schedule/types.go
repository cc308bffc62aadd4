// Package schedule decides what a workflow does next, from facts alone: which steps start, which
// wait, which are skipped or cancelled, when to look again, and what the workflow's phase is. It
// performs no I/O and reads no clock, so every decision is a table test (DESIGN Style 6). The
// Job engine's controller gathers the facts from status and children, calls Decide, and acts.
package schedule

import (
	"time"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// Step is what the scheduler knows of one step.
type Step struct {
	// Name and RunAfter as in the spec; the graph was validated before (no cycles, no unknown
	// names).
	Name     string
	RunAfter []string
	// Phase is the step's current phase. A step whose attempt failed with retries left is
	// Pending with RetryTime set (see AfterAttempt).
	Phase workflowv1alpha1.StepPhase
	// RetryTime, when set on a Pending step, is the earliest time its next attempt may start.
	RetryTime *time.Time
}

// Facts are everything Decide needs.
type Facts struct {
	// Now is the current time, from the controller's injected clock.
	Now time.Time
	// Steps in spec order.
	Steps []Step
	// MaxParallel bounds Running steps (>= 1).
	MaxParallel int
	// Cancel is spec.cancel.
	Cancel bool
	// Deadline is the workflow's start plus its timeout; zero means none.
	Deadline time.Time
}

// Decision is what the controller must do now. Lists are in spec order.
type Decision struct {
	// Start are Pending steps to start an attempt of now: every runAfter step Completed, any
	// retry backoff elapsed, within the parallel budget, and neither cancelling nor failing.
	Start []string
	// Waiting are Pending steps that do not start now (dependencies, budget or backoff): the
	// queue depth, for metrics and for their Waiting/RetryBackoff reason.
	Waiting []string
	// Skip are Pending steps that will never run, to mark Skipped: dependants (direct or
	// transitive) of a step that Failed, was Skipped or was Cancelled (reason
	// UpstreamNotCompleted), and, once any step Failed, every other Pending step too (fail fast:
	// no new step starts; reason StepFailed).
	Skip []Skip
	// Cancel are Pending steps to mark Cancelled (cancel requested, or workflow deadline passed).
	Cancel []string
	// Stop are Running steps to stop (cancel requested, or workflow deadline passed): the
	// controller deletes their child and marks them Cancelled. Running steps are never stopped
	// because another step failed: they finish.
	Stop []string
	// Phase is the workflow's phase once these decisions are carried out (Stop and Cancel steps
	// Cancelled, Skip steps Skipped): Running while any step is Running or Pending, else
	// Completed (all Completed), Failed (a step Failed, or the deadline passed) or Cancelled.
	Phase workflowv1alpha1.WorkflowPhase
	// Reason is the workflow's Ready reason for Phase (workflowv1alpha1 *Reason constants):
	// Running, Succeeded, StepFailed, DeadlineExceeded or Cancelled.
	Reason string
	// FailedStep names the first step (in spec order) that Failed, when Reason is StepFailed.
	FailedStep string
	// RequeueAfter is when to look again without a watch event: the earliest RetryTime of a
	// waiting step or the Deadline, whichever is sooner; zero when nothing is timed.
	RequeueAfter time.Duration
}

// Skip is a step to mark Skipped and why.
type Skip struct {
	Name string
	// Reason is UpstreamNotCompleted or StepFailed (workflowv1alpha1 constants).
	Reason string
}

// Attempt is how one attempt of a step ended, as the controller observed it on the child.
type Attempt struct {
	// Succeeded is true when the attempt completed with valid outputs.
	Succeeded bool
	// Retryable is false for refusals (verification, contract, inputs, security, permissions):
	// the same image fails the same way, so retrying only delays the failure.
	Retryable bool
	// Attempts is the number of attempts started so far, this one included (>= 1).
	Attempts int32
	// Retries is the step's spec.retries.
	Retries int32
	// FinishedAt is when the attempt ended.
	FinishedAt time.Time
}

// The functions implemented in this package (signatures are the contract with the controller):
//
//	// Decide decides what happens next. It is pure and total: any Facts give a Decision.
//	func Decide(f Facts) Decision
//
//	// AfterAttempt gives a step's phase after an attempt ended: Completed on success; Pending
//	// with RetryTime = FinishedAt + backoff(Attempts) when it failed, is Retryable and
//	// Attempts <= Retries; else Failed (retryTime nil).
//	func AfterAttempt(a Attempt, backoff func(retry int) time.Duration) (workflowv1alpha1.StepPhase, *time.Time)
