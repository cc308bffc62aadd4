package verify_test

import (
	"context"
	"testing"

	"github.com/kubernaut/kubernaut/internal/signing"
	"github.com/kubernaut/kubernaut/internal/verify"
)

// BenchmarkVerify compares a cold verification (a new verifier per iteration: registry round
// trips plus signature checks) with a cached one (same verifier, same digest and policy). The goal
// is cached at least 1000x faster than cold.
//
//	GOTOOLCHAIN=local go test -run '^$' -bench BenchmarkVerify -benchtime 2s ./internal/verify/
func BenchmarkVerify(b *testing.B) {
	reg := startRegistry(b, true)
	ref, key := reg.pushImage(b, "actions/scale"), newKey(b)
	signImage(b, ref, key, signing.FormatBundle)
	p := keyPolicy(b, key)
	ctx := context.Background()

	b.Run("cold", func(b *testing.B) {
		before := reg.requests.Load()
		for b.Loop() {
			v, err := verify.NewVerifier()
			if err != nil {
				b.Fatal(err)
			}
			if _, err := v.Verify(ctx, ref.String(), p); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(reg.requests.Load()-before)/float64(b.N), "requests/op")
	})
	b.Run("cached", func(b *testing.B) {
		v, err := verify.NewVerifier()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := v.Verify(ctx, ref.String(), p); err != nil {
			b.Fatal(err)
		}
		before := reg.requests.Load()
		for b.Loop() {
			if _, err := v.Verify(ctx, ref.String(), p); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(reg.requests.Load()-before)/float64(b.N), "requests/op")
	})
}
