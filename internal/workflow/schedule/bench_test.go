package schedule

import (
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkDecide200Steps decides for a 200-step workflow (the CRD's maximum) in mid-run: the
// earlier half Completed, a few Running, the rest Pending behind them, some in backoff. It is
// the work of every reconcile of a large workflow.
//
//	go test ./internal/workflow/schedule -run '^$' -bench Decide -benchmem
func BenchmarkDecide200Steps(b *testing.B) {
	rng := rand.New(rand.NewPCG(200, 200))
	list := randomDAG(rng, 200, 0.02)
	for i := range list {
		switch {
		case i < 100:
			list[i].Phase = completed
		case i < 105:
			list[i].Phase = running
		case i%10 == 0:
			at := t0.Add(time.Minute)
			list[i].RetryTime = &at
		}
	}
	f := Facts{Now: t0, Steps: list, MaxParallel: 10, Deadline: t0.Add(30 * time.Minute)}
	b.ReportAllocs()
	for b.Loop() {
		Decide(f)
	}
}
