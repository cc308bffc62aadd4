// Package dag validates the steps of a workflow as a directed acyclic graph and orders them.
//
// A step runs after every step named in its runAfter list. New rejects empty and duplicate
// names, unknown or repeated runAfter entries, steps that run after themselves, and cycles,
// all in one error, before anything runs (ADR-021, done with exact cycle paths). The package is
// pure: no Kubernetes types, so the controller, the scheduler and `kubernaut validate` share it.
package dag

import (
	"cmp"
	"errors"
	"slices"
)

// Node is one step as the graph sees it: its name and the names it runs after.
type Node struct {
	Name     string
	RunAfter []string
}

// Graph is a validated DAG. Build it with New; it is immutable and safe for concurrent reads.
type Graph struct {
	names      []string
	index      map[string]int
	runAfter   [][]int // direct dependencies of each step, in runAfter order
	dependents [][]int // direct dependents of each step, in declaration order
	order      []int
}

// New validates nodes and returns the graph. It reports ALL problems of the graph at once in
// one error (errors.Join of *EmptyNameError, *DuplicateNameError, *UnknownDependencyError,
// *SelfDependencyError, *DuplicateDependencyError and *CycleError), sorted by the step and
// runAfter entry they point at, so a user fixes everything in one pass. Every one of them
// matches errors.Is(err, ErrInvalidGraph).
func New(nodes []Node) (*Graph, error) {
	b := newBuilder(nodes)
	b.indexNames()
	b.linkDependencies()
	order, blocked := kahn(b.runAfter, b.dependents)
	if blocked {
		b.reportCycles(order)
	}
	if len(b.errs) > 0 {
		slices.SortStableFunc(b.errs, func(x, y located) int {
			return cmp.Or(cmp.Compare(x.index, y.index), cmp.Compare(x.depIndex, y.depIndex))
		})
		errs := make([]error, len(b.errs))
		for i, e := range b.errs {
			errs[i] = e.err
		}
		return nil, errors.Join(errs...)
	}
	return &Graph{names: b.names, index: b.index, runAfter: b.runAfter, dependents: b.dependents, order: order}, nil
}

// Len returns the number of steps.
func (g *Graph) Len() int { return len(g.names) }

// Names returns the step names in declaration order.
func (g *Graph) Names() []string { return slices.Clone(g.names) }

// Index returns the declaration index of the named step.
func (g *Graph) Index(name string) (int, bool) {
	i, ok := g.index[name]
	return i, ok
}

// Order returns a topological order (Kahn's algorithm): every step comes after all steps it runs
// after. It is stable: among steps that are ready at the same time, the one declared first comes
// first, so a workflow that is already in order keeps its order.
func (g *Graph) Order() []string {
	out := make([]string, len(g.order))
	for k, i := range g.order {
		out[k] = g.names[i]
	}
	return out
}

// RunAfter returns the direct dependencies of the named step in the order of its runAfter list,
// or nil for an unknown name.
func (g *Graph) RunAfter(name string) []string {
	i, ok := g.index[name]
	if !ok {
		return nil
	}
	out := make([]string, len(g.runAfter[i]))
	for k, d := range g.runAfter[i] {
		out[k] = g.names[d]
	}
	return out
}

// Ancestors returns every step the named step transitively runs after, excluding itself: the
// steps whose outputs it may reference. It returns nil for an unknown name.
func (g *Graph) Ancestors(name string) map[string]bool { return g.reach(name, g.runAfter) }

// Descendants returns every step that transitively runs after the named step, excluding itself:
// the steps to mark Skipped when it fails. It returns nil for an unknown name.
func (g *Graph) Descendants(name string) map[string]bool { return g.reach(name, g.dependents) }

// reach walks edges from the named step breadth-first and returns the names it reaches.
func (g *Graph) reach(name string, edges [][]int) map[string]bool {
	start, ok := g.index[name]
	if !ok {
		return nil
	}
	seen := map[string]bool{}
	queue := []int{start}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for _, j := range edges[i] {
			if n := g.names[j]; !seen[n] {
				seen[n] = true
				queue = append(queue, j)
			}
		}
	}
	return seen
}
