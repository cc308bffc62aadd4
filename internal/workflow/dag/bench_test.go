package dag

import (
	"fmt"
	"testing"
)

// layered returns n steps in layers of ten, each step running after every step of the layer
// before (fan-in ten): the shape of a wide remediation workflow with join points.
func layered(n int) []Node {
	const width = 10
	nodes := make([]Node, n)
	for i := range nodes {
		nodes[i].Name = fmt.Sprintf("step-%d", i)
		if layer := i / width; layer > 0 {
			for d := (layer - 1) * width; d < layer*width; d++ {
				nodes[i].RunAfter = append(nodes[i].RunAfter, nodes[d].Name)
			}
		}
	}
	return nodes
}

// BenchmarkNew measures validation plus ordering. The goal: 1,000 steps in < 10 ms.
func BenchmarkNew(b *testing.B) {
	for _, n := range []int{100, 1000} {
		nodes := layered(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := New(nodes); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
