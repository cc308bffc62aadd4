package dag

import "slices"

// reportCycles reports one exact cycle per strongly connected component of the steps Kahn's
// algorithm could not order. Those steps are on a cycle or downstream of one; only the
// components with more than one step hold cycles (self-dependencies are reported separately
// and never become edges), so steps merely downstream are never named. A component with several
// interlocking cycles is reported once, by its shortest cycle through its first-declared step:
// enumerating every elementary cycle is exponential, and breaking one usually reveals the next
// on the following validation.
func (b *builder) reportCycles(order []int) {
	blocked := make([]bool, len(b.names))
	for i := range blocked {
		blocked[i] = true
	}
	for _, i := range order {
		blocked[i] = false
	}
	for _, component := range stronglyConnected(b.dependents, blocked) {
		if len(component) < 2 {
			continue
		}
		b.reportCycle(component)
	}
}

// reportCycle finds the shortest cycle through the component's first-declared step by a
// breadth-first search along dependents inside the component, and reports it.
func (b *builder) reportCycle(component []int) {
	start := slices.Min(component)
	inside := make(map[int]bool, len(component))
	for _, i := range component {
		inside[i] = true
	}
	parent := map[int]int{start: -1}
	queue := []int{start}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, v := range b.dependents[u] {
			if v == start {
				entry := b.closingEntry(start, u)
				b.fail(start, entry, &CycleError{Path: b.cyclePath(parent, u), Index: start, DepIndex: entry})
				return
			}
			if _, seen := parent[v]; !seen && inside[v] {
				parent[v] = u
				queue = append(queue, v)
			}
		}
	}
}

// cyclePath walks parent links back from last to the start and returns the path in execution
// order with the start repeated at the end.
func (b *builder) cyclePath(parent map[int]int, last int) []string {
	var rev []string
	for u := last; u != -1; u = parent[u] {
		rev = append(rev, b.names[u])
	}
	slices.Reverse(rev)
	return append(rev, rev[0])
}

// closingEntry returns the position in step's runAfter list of the entry naming dep.
func (b *builder) closingEntry(step, dep int) int {
	k := slices.Index(b.runAfter[step], dep)
	return b.runAfterPos[step][k]
}

// stronglyConnected returns the strongly connected components among the included nodes
// (Tarjan's algorithm, O(V+E)), each as a list of node indices.
func stronglyConnected(edges [][]int, include []bool) [][]int {
	t := tarjan{
		edges: edges, include: include,
		index: make([]int, len(edges)), low: make([]int, len(edges)), onStack: make([]bool, len(edges)),
	}
	for i := range t.index {
		t.index[i] = -1
	}
	for i := range edges {
		if include[i] && t.index[i] == -1 {
			t.visit(i)
		}
	}
	return t.components
}

type tarjan struct {
	edges      [][]int
	include    []bool
	index, low []int
	onStack    []bool
	stack      []int
	next       int
	components [][]int
}

// visit is Tarjan's recursive step. Recursion depth is bounded by the number of blocked steps;
// Go stacks grow on demand, so even tens of thousands of steps are fine.
func (t *tarjan) visit(v int) {
	t.index[v], t.low[v] = t.next, t.next
	t.next++
	t.stack = append(t.stack, v)
	t.onStack[v] = true
	for _, w := range t.edges[v] {
		switch {
		case !t.include[w]:
		case t.index[w] == -1:
			t.visit(w)
			t.low[v] = min(t.low[v], t.low[w])
		case t.onStack[w]:
			t.low[v] = min(t.low[v], t.index[w])
		}
	}
	if t.low[v] != t.index[v] {
		return
	}
	var component []int
	for {
		w := t.stack[len(t.stack)-1]
		t.stack = t.stack[:len(t.stack)-1]
		t.onStack[w] = false
		component = append(component, w)
		if w == v {
			break
		}
	}
	t.components = append(t.components, component)
}
