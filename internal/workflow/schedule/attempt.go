package schedule

import (
	"time"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// AfterAttempt gives a step's phase after an attempt ended: Completed on success; Pending with
// RetryTime = FinishedAt + backoff(Attempts) when it failed, is Retryable and Attempts <= Retries;
// else Failed (RetryTime nil).
//
// backoff receives the number of the retry about to be scheduled (1 for the first retry), which
// is the number of attempts so far. A nil backoff or a negative delay retries at FinishedAt:
// retrying late is safe, retrying before the attempt ended is not possible.
func AfterAttempt(a Attempt, backoff func(retry int) time.Duration) (workflowv1alpha1.StepPhase, *time.Time) {
	switch {
	case a.Succeeded:
		return workflowv1alpha1.StepCompleted, nil
	case !a.Retryable || a.Attempts > a.Retries:
		return workflowv1alpha1.StepFailed, nil
	}
	var delay time.Duration
	if backoff != nil {
		delay = max(backoff(int(a.Attempts)), 0)
	}
	retryTime := a.FinishedAt.Add(delay)
	return workflowv1alpha1.StepPending, &retryTime
}
