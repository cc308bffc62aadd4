package actionexecution

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

func TestWaitingRateLimiter_retriesAWaitingRunAtLeastOnceAMinute(t *testing.T) {
	rl := waitingRateLimiter()
	req := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "ns", Name: "waiting"}}
	var last time.Duration
	for range 40 { // 5 ms doubled 40 times would be years without the cap
		last = rl.When(req)
	}
	if last != maxRetryDelay {
		t.Errorf("delay after 40 failures = %s, want the cap %s", last, maxRetryDelay)
	}
	rl.Forget(req)
	if first := rl.When(req); first > 10*time.Millisecond {
		t.Errorf("delay after Forget = %s, want the 5 ms start again", first)
	}
}
