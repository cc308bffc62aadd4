package dag

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomDAG returns n steps where each step runs after up to four earlier steps: pointing only
// backwards makes the graph acyclic by construction.
func randomDAG(r *rand.Rand, n int) []Node {
	nodes := make([]Node, n)
	for i := range nodes {
		nodes[i].Name = fmt.Sprintf("s%d", i)
		if i == 0 {
			continue
		}
		for _, d := range r.Perm(i)[:min(i, r.IntN(5))] {
			nodes[i].RunAfter = append(nodes[i].RunAfter, nodes[d].Name)
		}
	}
	return nodes
}

func shuffled(r *rand.Rand, nodes []Node) []Node {
	out := slices.Clone(nodes)
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// checkTopological fails the test unless order holds every node exactly once and every step
// after all steps it runs after.
func checkTopological(t *testing.T, nodes []Node, order []string) {
	t.Helper()
	pos := make(map[string]int, len(order))
	for i, name := range order {
		pos[name] = i
	}
	if len(order) != len(nodes) || len(pos) != len(nodes) {
		t.Fatalf("order %v is not a permutation of %d steps", order, len(nodes))
	}
	for _, n := range nodes {
		for _, dep := range n.RunAfter {
			if pos[dep] >= pos[n.Name] {
				t.Fatalf("order %v puts %q before %q, which it runs after", order, n.Name, dep)
			}
		}
	}
}

// checkRealCycle fails the test unless c is a simple cycle along runAfter edges of nodes and
// its Index/DepIndex point at the entry closing it.
func checkRealCycle(t *testing.T, nodes []Node, c *CycleError) {
	t.Helper()
	p := c.Path
	if len(p) < 3 || p[0] != p[len(p)-1] {
		t.Fatalf("cycle path %v does not return to its start", p)
	}
	byName := map[string]Node{}
	for _, n := range nodes {
		if _, dup := byName[n.Name]; !dup {
			byName[n.Name] = n
		}
	}
	seen := map[string]bool{}
	for k := 0; k+1 < len(p); k++ {
		if seen[p[k]] {
			t.Fatalf("cycle path %v visits %q twice", p, p[k])
		}
		seen[p[k]] = true
		if !slices.Contains(byName[p[k+1]].RunAfter, p[k]) {
			t.Fatalf("cycle path %v: %q does not run after %q", p, p[k+1], p[k])
		}
	}
	if nodes[c.Index].Name != p[0] || nodes[c.Index].RunAfter[c.DepIndex] != p[len(p)-2] {
		t.Fatalf("cycle %v points at steps[%d].runAfter[%d], which is not its closing edge", p, c.Index, c.DepIndex)
	}
}

func TestRandomDAGsAlwaysValidateInTopologicalOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 1806))
	for range 500 {
		nodes := shuffled(r, randomDAG(r, 1+r.IntN(60)))
		g, err := New(nodes)
		if err != nil {
			t.Fatalf("New(random DAG) = %v", err)
		}
		checkTopological(t, nodes, g.Order())
		for _, n := range nodes {
			for a := range g.Ancestors(n.Name) {
				if !g.Descendants(a)[n.Name] {
					t.Fatalf("%q is an ancestor of %q, but %q is not its descendant", a, n.Name, n.Name)
				}
			}
			for _, dep := range n.RunAfter {
				if !g.Ancestors(n.Name)[dep] {
					t.Fatalf("direct dependency %q missing from Ancestors(%q)", dep, n.Name)
				}
			}
		}
	}
}

func TestRandomDAGWithOneBackEdgeAlwaysFailsWithARealCycle(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 21))
	for tried := 0; tried < 500; {
		nodes := randomDAG(r, 2+r.IntN(60))
		g, err := New(nodes)
		if err != nil {
			t.Fatalf("New(random DAG) = %v", err)
		}
		v := nodes[r.IntN(len(nodes))]
		ancestors := slices.Sorted(maps.Keys(g.Ancestors(v.Name)))
		if len(ancestors) == 0 {
			continue
		}
		tried++
		// u already runs (transitively) before v; making u run after v closes a cycle.
		u, _ := g.Index(ancestors[r.IntN(len(ancestors))])
		nodes[u].RunAfter = append(slices.Clone(nodes[u].RunAfter), v.Name)
		nodes = shuffled(r, nodes)

		_, err = New(nodes)
		errs := unjoin(err)
		if len(errs) != 1 {
			t.Fatalf("one back edge gave %d errors, want one cycle: %v", len(errs), err)
		}
		var c *CycleError
		if !errors.As(errs[0], &c) {
			t.Fatalf("one back edge gave %T, want *CycleError: %v", errs[0], err)
		}
		checkRealCycle(t, nodes, c)
	}
}
