// Package rollout is how the built-in workload actions wait: for a Deployment's or a
// DaemonSet's rollout to complete (the rules of `kubectl rollout status`), or for any condition
// on an object that they read again and again.
//
// Every wait polls a get once per Interval instead of watching: a watch would add the verb
// `watch` to each contract for no gain, because the actions need `get` anyway and a rollout
// takes seconds to minutes. The step's timeout (ctx) bounds every wait.
package rollout

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// Interval is how often a wait reads the object.
const Interval = time.Second

// Check decides from one read of the object whether the wait is over, and describes where it
// stands for the log. An error ends the wait at once: the condition can no longer be reached,
// and waiting would only run into the step's deadline.
type Check[T any] func(obj T) (done bool, progress string, err error)

// Wait reads the object that ref names with get until check says it is done, and returns the
// last read. Each new progress is logged once, so the step's log tells how the wait went.
// When ctx ends first (the step's deadline or a cancellation), the error says
// "gave up waiting for <goal> (<last progress>)"; the caller's goal names what was awaited,
// such as "the rollout of deployment shop/web". A failed get is an error naming ref, except at
// the deadline (see getError).
func Wait[T any](ctx context.Context, ref kube.Ref, goal string, get func(context.Context) (T, error), check Check[T]) (T, error) {
	var last, zero T
	var lastProgress string
	err := wait.PollUntilContextCancel(ctx, Interval, true, func(ctx context.Context) (bool, error) {
		obj, err := get(ctx)
		if err != nil {
			return false, getError(ctx, err, ref)
		}
		last = obj
		done, progress, err := check(obj)
		if progress != lastProgress {
			action.Logf(ctx, "%s: %s", ref, progress)
			lastProgress = progress
		}
		return done, err
	})
	if err == nil {
		return last, nil
	}
	if ctx.Err() != nil {
		if lastProgress == "" {
			lastProgress = "no status read yet"
		}
		return zero, fmt.Errorf("gave up waiting for %s (%s): %w", goal, lastProgress, err)
	}
	return zero, err
}

// getError explains a failed get. A get that fails within one Interval of ctx's deadline ends
// the wait as the deadline would: client-go's rate limiter refuses a request that it could not
// send before the deadline ("client rate limiter Wait returned an error: rate: Wait(n=1) would
// exceed context deadline") while ctx is still running, and the step must then report the wait
// giving up, not a failed get. Waiting for ctx to end lets Wait report it so.
func getError(ctx context.Context, err error, ref kube.Ref) error {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < Interval {
		<-ctx.Done()
		return ctx.Err()
	}
	return kube.APIError(err, "get", ref)
}
