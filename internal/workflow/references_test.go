package workflow

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/kubernaut/kubernaut/internal/workflow/dag"
)

// TestUpstreamAgreesWithTheGraph compares the bit sets of upstream with dag's own Ancestors on
// random graphs, for every pair of steps.
func TestUpstreamAgreesWithTheGraph(t *testing.T) {
	for seed := range uint64(50) {
		rng := rand.New(rand.NewPCG(seed, 7))
		n := 1 + rng.IntN(150) // across several 64-bit words
		nodes := make([]dag.Node, n)
		for i := range nodes {
			nodes[i].Name = fmt.Sprintf("s%d", i)
			for j := range i {
				if rng.Float64() < 3/float64(n) {
					nodes[i].RunAfter = append(nodes[i].RunAfter, nodes[j].Name)
				}
			}
		}
		rng.Shuffle(n, func(i, j int) { nodes[i], nodes[j] = nodes[j], nodes[i] })
		g, err := dag.New(nodes)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		up := newUpstream(g)
		for _, a := range nodes {
			ancestors := g.Ancestors(a.Name)
			for _, b := range nodes {
				if got, want := up.of(a.Name, b.Name), ancestors[b.Name]; got != want {
					t.Fatalf("seed %d: upstream.of(%s, %s) = %t, Ancestors says %t", seed, a.Name, b.Name, got, want)
				}
			}
		}
		if up.of("s0", "unknown") || up.of("unknown", "s0") {
			t.Fatalf("seed %d: an unknown name is upstream", seed)
		}
	}
}
