package dag

// located is a validation error with the place it points at, so New can sort all errors into
// declaration order. depIndex is -1 for errors about the step's name.
type located struct {
	index, depIndex int
	err             error
}

// builder collects the graph's edges and every validation error in one pass over the nodes.
// Invalid entries are left out of the edges, so cycle detection still runs on the rest and the
// user sees cycles together with unknown names.
type builder struct {
	nodes       []Node
	names       []string
	index       map[string]int // first step with each non-empty name
	runAfter    [][]int
	runAfterPos [][]int // for each edge in runAfter, its position in the node's RunAfter list
	dependents  [][]int
	errs        []located
}

func newBuilder(nodes []Node) *builder {
	n := len(nodes)
	b := &builder{
		nodes:       nodes,
		names:       make([]string, n),
		index:       make(map[string]int, n),
		runAfter:    make([][]int, n),
		runAfterPos: make([][]int, n),
		dependents:  make([][]int, n),
	}
	for i := range nodes {
		b.names[i] = nodes[i].Name
	}
	return b
}

func (b *builder) fail(index, depIndex int, err error) {
	b.errs = append(b.errs, located{index: index, depIndex: depIndex, err: err})
}

// indexNames maps each name to the first step using it; a later step with the same name gets no
// entry, so every reference to the name means the first step.
func (b *builder) indexNames() {
	for i, name := range b.names {
		if name == "" {
			b.fail(i, -1, &EmptyNameError{Index: i})
			continue
		}
		if first, dup := b.index[name]; dup {
			b.fail(i, -1, &DuplicateNameError{Name: name, Index: i, First: first})
			continue
		}
		b.index[name] = i
	}
}

// linkDependencies turns valid runAfter entries into edges and reports the others.
func (b *builder) linkDependencies() {
	firstAt := map[string]int{} // reused across steps: one map, not one per step
	for i := range b.nodes {
		step := b.names[i]
		clear(firstAt)
		b.runAfter[i] = make([]int, 0, len(b.nodes[i].RunAfter))
		b.runAfterPos[i] = make([]int, 0, len(b.nodes[i].RunAfter))
		for j, dep := range b.nodes[i].RunAfter {
			if first, dup := firstAt[dep]; dup {
				b.fail(i, j, &DuplicateDependencyError{Step: step, Index: i, DepIndex: j, First: first, Dependency: dep})
				continue
			}
			firstAt[dep] = j
			d, known := b.index[dep]
			switch {
			case !known:
				b.fail(i, j, &UnknownDependencyError{Step: step, Index: i, DepIndex: j, Dependency: dep})
			case dep == step:
				// Also for a duplicate-named step naming its own name: the name resolves to the
				// first step of that name, but the author plainly meant itself.
				b.fail(i, j, &SelfDependencyError{Step: step, Index: i, DepIndex: j})
			default:
				b.runAfter[i] = append(b.runAfter[i], d)
				b.runAfterPos[i] = append(b.runAfterPos[i], j)
				b.dependents[d] = append(b.dependents[d], i)
			}
		}
	}
}

// kahn returns a topological order, taking among ready steps always the one declared first.
// blocked reports that some steps never became ready: they are on a cycle or after one.
func kahn(runAfter, dependents [][]int) (order []int, blocked bool) {
	n := len(runAfter)
	waiting := make([]int, n) // unfinished dependencies per step
	ready := &minHeap{}
	for i := range n {
		waiting[i] = len(runAfter[i])
		if waiting[i] == 0 {
			ready.push(i)
		}
	}
	order = make([]int, 0, n)
	for ready.len() > 0 {
		i := ready.pop()
		order = append(order, i)
		for _, d := range dependents[i] {
			if waiting[d]--; waiting[d] == 0 {
				ready.push(d)
			}
		}
	}
	return order, len(order) < n
}

// minHeap is a binary min-heap of step indices: the ready queue of Kahn's algorithm, so ties
// are broken by declaration order in O(log n) rather than by scanning.
type minHeap struct{ items []int }

func (h *minHeap) len() int { return len(h.items) }

func (h *minHeap) push(x int) {
	h.items = append(h.items, x)
	for c := len(h.items) - 1; c > 0; {
		p := (c - 1) / 2
		if h.items[p] <= h.items[c] {
			break
		}
		h.items[p], h.items[c] = h.items[c], h.items[p]
		c = p
	}
}

func (h *minHeap) pop() int {
	top := h.items[0]
	last := len(h.items) - 1
	h.items[0] = h.items[last]
	h.items = h.items[:last]
	for p := 0; ; {
		small, l, r := p, 2*p+1, 2*p+2
		if l < last && h.items[l] < h.items[small] {
			small = l
		}
		if r < last && h.items[r] < h.items[small] {
			small = r
		}
		if small == p {
			return top
		}
		h.items[p], h.items[small] = h.items[small], h.items[p]
		p = small
	}
}
