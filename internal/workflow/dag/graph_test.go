package dag

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// chain builds nodes from "name:dep,dep" specs, so tables read like the YAML they stand for.
func chain(specs ...string) []Node {
	nodes := make([]Node, len(specs))
	for i, s := range specs {
		name, deps, _ := strings.Cut(s, ":")
		nodes[i].Name = name
		if deps != "" {
			nodes[i].RunAfter = strings.Split(deps, ",")
		}
	}
	return nodes
}

// unjoin returns the errors New joined, in order.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestNewOrdersValidGraphs(t *testing.T) {
	tests := []struct {
		name  string
		nodes []Node
		want  []string
	}{
		{"no steps give an empty order", nil, []string{}},
		{"independent steps keep their declaration order", chain("c", "a", "b"), []string{"c", "a", "b"}},
		{"a linear chain runs from first to last", chain("a", "b:a", "c:b"), []string{"a", "b", "c"}},
		{"a step declared before its dependency comes after it", chain("deploy:build", "build"), []string{"build", "deploy"}},
		{"ready steps are taken in declaration order, not by name", chain("z", "y:z", "x:z", "w:y,x"), []string{"z", "y", "x", "w"}},
		{"a step that becomes ready later still goes first when it was declared first",
			chain("first", "second:first", "third"), []string{"first", "second", "third"}},
		{"the seed's gitops workflow is ordered by its runAfter chain",
			chain("create-pr:validate", "validate", "notify:create-pr,wait", "wait:create-pr"),
			[]string{"validate", "create-pr", "wait", "notify"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := New(tt.nodes)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if diff := cmp.Diff(tt.want, g.Order()); diff != "" {
				t.Errorf("Order() mismatch (-want +got):\n%s", diff)
			}
			if g.Len() != len(tt.nodes) {
				t.Errorf("Len() = %d, want %d", g.Len(), len(tt.nodes))
			}
		})
	}
}

// invalidGraphs pairs invalid step lists with every error New must report for them.
var invalidGraphs = []struct {
	name  string
	nodes []Node
	want  []error
}{
	{"an empty name is reported with its index", chain("a", ""),
		[]error{&EmptyNameError{Index: 1}}},
	{"a duplicate name points at its first use", chain("a", "b", "a"),
		[]error{&DuplicateNameError{Name: "a", Index: 2, First: 0}}},
	{"an unknown runAfter entry names the step and the missing dependency", chain("a", "b:a,zz"),
		[]error{&UnknownDependencyError{Step: "b", Index: 1, DepIndex: 1, Dependency: "zz"}}},
	{"a runAfter entry naming the empty string is unknown", []Node{{Name: "a", RunAfter: []string{""}}},
		[]error{&UnknownDependencyError{Step: "a", Index: 0, DepIndex: 0, Dependency: ""}}},
	{"a step running after itself is a self dependency, not a cycle", chain("a", "b:a,b"),
		[]error{&SelfDependencyError{Step: "b", Index: 1, DepIndex: 1}}},
	{"a duplicate-named step naming its own name runs after itself", chain("a", "a:a"),
		[]error{&DuplicateNameError{Name: "a", Index: 1, First: 0}, &SelfDependencyError{Step: "a", Index: 1, DepIndex: 0}}},
	{"a repeated runAfter entry is reported at the repeat", chain("a", "b", "c:a,b,a"),
		[]error{&DuplicateDependencyError{Step: "c", Index: 2, DepIndex: 2, First: 0, Dependency: "a"}}},
	{"a two-step cycle is reported with its exact path", chain("a:b", "b:a"),
		[]error{&CycleError{Path: []string{"a", "b", "a"}, Index: 0, DepIndex: 0}}},
	{"a three-step cycle starts at its first-declared step", chain("x", "c:b", "a:c,x", "b:a"),
		[]error{&CycleError{Path: []string{"c", "a", "b", "c"}, Index: 1, DepIndex: 0}}},
	{"steps downstream of a cycle are not part of it", chain("after:b", "a:b", "b:a", "later:after"),
		[]error{&CycleError{Path: []string{"a", "b", "a"}, Index: 1, DepIndex: 0}}},
	{"two separate cycles are each reported once, in declaration order", chain("p:q", "a:b", "q:p", "b:a"),
		[]error{
			&CycleError{Path: []string{"p", "q", "p"}, Index: 0, DepIndex: 0},
			&CycleError{Path: []string{"a", "b", "a"}, Index: 1, DepIndex: 0},
		}},
	{"interlocking cycles are reported by the shortest cycle through the first step",
		chain("a:d,b", "b:a", "c:b", "d:c"),
		[]error{&CycleError{Path: []string{"a", "b", "a"}, Index: 0, DepIndex: 1}}},
	{"a cycle is still found next to an unknown dependency", chain("a:b,ghost", "b:a"),
		[]error{
			&CycleError{Path: []string{"a", "b", "a"}, Index: 0, DepIndex: 0},
			&UnknownDependencyError{Step: "a", Index: 0, DepIndex: 1, Dependency: "ghost"},
		}},
	{"all problems are reported together in declaration order",
		[]Node{{Name: "a", RunAfter: []string{"c"}}, {}, {Name: "c", RunAfter: []string{"a", "a", "nope"}}, {Name: "a"}},
		[]error{
			&CycleError{Path: []string{"a", "c", "a"}, Index: 0, DepIndex: 0},
			&EmptyNameError{Index: 1},
			&DuplicateDependencyError{Step: "c", Index: 2, DepIndex: 1, First: 0, Dependency: "a"},
			&UnknownDependencyError{Step: "c", Index: 2, DepIndex: 2, Dependency: "nope"},
			&DuplicateNameError{Name: "a", Index: 3, First: 0},
		}},
}

func TestNewReportsEveryProblem(t *testing.T) {
	for _, tt := range invalidGraphs {
		t.Run(tt.name, func(t *testing.T) {
			g, err := New(tt.nodes)
			if g != nil {
				t.Errorf("New returned a graph for an invalid input: %v", g.Order())
			}
			if diff := cmp.Diff(tt.want, unjoin(err)); diff != "" {
				t.Errorf("errors mismatch (-want +got):\n%s", diff)
			}
			if !errors.Is(err, ErrInvalidGraph) {
				t.Errorf("errors.Is(%v, ErrInvalidGraph) = false", err)
			}
		})
	}
}

func TestErrorMessagesStartWithTheFieldPath(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"empty name", &EmptyNameError{Index: 3}, `steps[3].name: must not be empty`},
		{"duplicate name", &DuplicateNameError{Name: "x", Index: 4, First: 1},
			`steps[4].name: duplicate step name "x" (first used by steps[1])`},
		{"unknown dependency", &UnknownDependencyError{Step: "b", Index: 2, DepIndex: 0, Dependency: "zz"},
			`steps[2].runAfter[0]: step "b" runs after unknown step "zz"`},
		{"self dependency", &SelfDependencyError{Step: "b", Index: 2, DepIndex: 1},
			`steps[2].runAfter[1]: step "b" runs after itself`},
		{"duplicate dependency", &DuplicateDependencyError{Step: "c", Index: 2, DepIndex: 2, First: 0, Dependency: "a"},
			`steps[2].runAfter[2]: step "c" lists "a" twice (first at runAfter[0])`},
		{"cycle", &CycleError{Path: []string{"a", "b", "c", "a"}, Index: 0, DepIndex: 1},
			`steps[0].runAfter[1]: dependency cycle: a -> b -> c -> a`},
	}
	for _, tt := range tests {
		t.Run(tt.name+" names the field and the reason", func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
			if !errors.Is(tt.err, ErrInvalidGraph) {
				t.Errorf("errors.Is(%T, ErrInvalidGraph) = false", tt.err)
			}
		})
	}
}

func TestJoinedErrorPrintsOneProblemPerLine(t *testing.T) {
	_, err := New(chain("a:b", "b:a", "c:zz"))
	want := "steps[0].runAfter[0]: dependency cycle: a -> b -> a\n" +
		`steps[2].runAfter[0]: step "c" runs after unknown step "zz"`
	if err == nil || err.Error() != want {
		t.Errorf("New error = %v, want %q", err, want)
	}
	var cycle *CycleError
	if !errors.As(err, &cycle) {
		t.Fatalf("errors.As(*CycleError) = false for %v", err)
	}
}

func TestGraphQueries(t *testing.T) {
	// a -> b -> d, a -> c -> d, e alone.
	g, err := New(chain("a", "b:a", "c:a", "d:c,b", "e"))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Run("ancestors are the transitive runAfter closure without the step", func(t *testing.T) {
		want := map[string]bool{"a": true, "b": true, "c": true}
		if diff := cmp.Diff(want, g.Ancestors("d")); diff != "" {
			t.Errorf("Ancestors(d) (-want +got):\n%s", diff)
		}
	})
	t.Run("descendants are every step running after it without the step", func(t *testing.T) {
		want := map[string]bool{"b": true, "c": true, "d": true}
		if diff := cmp.Diff(want, g.Descendants("a")); diff != "" {
			t.Errorf("Descendants(a) (-want +got):\n%s", diff)
		}
	})
	t.Run("an isolated step has no ancestors or descendants", func(t *testing.T) {
		if diff := cmp.Diff(map[string]bool{}, g.Ancestors("e")); diff != "" {
			t.Errorf("Ancestors(e) (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]bool{}, g.Descendants("e")); diff != "" {
			t.Errorf("Descendants(e) (-want +got):\n%s", diff)
		}
	})
	t.Run("unknown names give nil and not found", func(t *testing.T) {
		if g.Ancestors("zz") != nil || g.Descendants("zz") != nil || g.RunAfter("zz") != nil {
			t.Error("queries for an unknown step returned non-nil")
		}
		if _, ok := g.Index("zz"); ok {
			t.Error("Index(zz) found an unknown step")
		}
	})
	t.Run("run after lists direct dependencies in runAfter order", func(t *testing.T) {
		if diff := cmp.Diff([]string{"c", "b"}, g.RunAfter("d")); diff != "" {
			t.Errorf("RunAfter(d) (-want +got):\n%s", diff)
		}
	})
	t.Run("index and names follow the declaration", func(t *testing.T) {
		if i, ok := g.Index("d"); !ok || i != 3 {
			t.Errorf("Index(d) = %d, %v; want 3, true", i, ok)
		}
		if diff := cmp.Diff([]string{"a", "b", "c", "d", "e"}, g.Names()); diff != "" {
			t.Errorf("Names() (-want +got):\n%s", diff)
		}
	})
	t.Run("returned slices are copies the caller may change", func(t *testing.T) {
		g.Order()[0] = "mutated"
		g.RunAfter("d")[0] = "mutated"
		g.Names()[0] = "mutated"
		if g.Order()[0] != "a" || g.RunAfter("d")[0] != "c" || g.Names()[0] != "a" {
			t.Error("mutating a returned slice changed the graph")
		}
	})
}
