package dag

import (
	"errors"
	"fmt"
	"testing"
)

// nodesFromBytes decodes fuzz bytes into steps over a small name alphabet, so duplicates,
// empty names, unknown and repeated entries, self edges and cycles all come up often: per step
// one byte picks the name (0 = empty), one the number of runAfter entries, one byte each entry.
func nodesFromBytes(data []byte) []Node {
	name := func(b byte) string {
		if b%13 == 0 {
			return ""
		}
		return fmt.Sprintf("n%d", b%13)
	}
	var nodes []Node
	for len(data) >= 2 {
		n := Node{Name: name(data[0])}
		deps := int(data[1] % 5)
		data = data[2:]
		for ; deps > 0 && len(data) > 0; deps-- {
			n.RunAfter = append(n.RunAfter, name(data[0]))
			data = data[1:]
		}
		nodes = append(nodes, n)
	}
	return nodes
}

func FuzzNew(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1, 0, 2, 1, 1, 3, 1, 2}) // n1; n2 after n1; n3 after n2
	f.Add([]byte{1, 1, 2, 2, 1, 1})       // n1 after n2; n2 after n1
	f.Add([]byte{1, 2, 1, 5, 0, 0, 1, 0}) // repeated and unknown entries, empty and duplicate names
	f.Add([]byte{1, 1, 3, 2, 1, 1, 3, 1, 2, 4, 1, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		nodes := nodesFromBytes(data)
		g, err := New(nodes)
		if err != nil {
			if g != nil {
				t.Fatal("New returned both a graph and an error")
			}
			for _, e := range unjoin(err) {
				if !errors.Is(e, ErrInvalidGraph) {
					t.Fatalf("error %T %q does not wrap ErrInvalidGraph", e, e)
				}
				var c *CycleError
				if errors.As(e, &c) {
					checkRealCycle(t, nodes, c)
				}
			}
			return
		}
		checkTopological(t, nodes, g.Order())
	})
}
