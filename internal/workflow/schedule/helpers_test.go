package schedule

import (
	"strings"
	"time"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// Short names for the phases, so tables read like a status listing.
const (
	pending   = workflowv1alpha1.StepPending
	running   = workflowv1alpha1.StepRunning
	completed = workflowv1alpha1.StepCompleted
	failed    = workflowv1alpha1.StepFailed
	skipped   = workflowv1alpha1.StepSkipped
	cancelled = workflowv1alpha1.StepCancelled
)

// t0 is the fixed "now" of the tables.
var t0 = time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)

// steps builds Steps from "name[:dep,dep][=Phase]" specs (Pending when no phase is given), so a
// table row reads like the workflow it stands for: steps("a=Completed", "b:a", "c:a=Running").
func steps(specs ...string) []Step {
	out := make([]Step, len(specs))
	for i, spec := range specs {
		spec, phase, hasPhase := strings.Cut(spec, "=")
		name, deps, _ := strings.Cut(spec, ":")
		out[i] = Step{Name: name, Phase: pending}
		if hasPhase {
			out[i].Phase = workflowv1alpha1.StepPhase(phase)
		}
		if deps != "" {
			out[i].RunAfter = strings.Split(deps, ",")
		}
	}
	return out
}

// retryAt sets RetryTime on the named step and returns the steps.
func retryAt(list []Step, name string, at time.Time) []Step {
	for i := range list {
		if list[i].Name == name {
			list[i].RetryTime = &at
		}
	}
	return list
}

// names is a readable constructor for expected name lists.
func names(n ...string) []string { return n }

func skip(name, reason string) Skip { return Skip{Name: name, Reason: reason} }

// stillRunning completes an expected Decision of a workflow that goes on running.
func stillRunning(d Decision) Decision {
	d.Phase, d.Reason = workflowv1alpha1.WorkflowRunning, workflowv1alpha1.RunningReason
	return d
}
