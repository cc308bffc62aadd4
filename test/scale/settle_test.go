package scale_test

import (
	"context"
	"testing"
	"time"

	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Settling: the manager still works for the workflows after the last one Completed (its event
// broadcaster sends queued events, reconciles triggered by the last status writes run). Those
// requests are part of a step's cost, so the counts are taken once the manager has been quiet.
const (
	quietFor   = 3 * time.Second
	maxSettle  = 2 * time.Minute
	settlePoll = time.Second
)

// settle waits until the manager has sent no request through the proxy for quietFor, at most
// maxSettle, and returns how long it waited.
func settle(proxy *countingProxy) time.Duration {
	start := time.Now()
	last, quietSince := sumCounts(proxy.snapshot()), time.Now()
	for time.Since(start) < maxSettle && time.Since(quietSince) < quietFor {
		time.Sleep(settlePoll)
		if now := sumCounts(proxy.snapshot()); now != last {
			last, quietSince = now, time.Now()
		}
	}
	return time.Since(start)
}

// eventCounts counts the events the manager recorded in ns by the kind of object and reason,
// each event with the occurrences its series folded into it: where the largest share of a
// step's requests goes.
func eventCounts(b *testing.B, s *stack, ns string) map[string]int {
	b.Helper()
	var events eventsv1.EventList
	if err := s.client.List(context.Background(), &events, client.InNamespace(ns)); err != nil {
		b.Fatalf("list the events of %s: %v", ns, err)
	}
	out := map[string]int{}
	for _, e := range events.Items {
		n := 1
		if e.Series != nil {
			n = int(e.Series.Count)
		}
		out[e.Regarding.Kind+" "+e.Reason] += n
	}
	return out
}
