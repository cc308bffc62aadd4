package dag

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidGraph is wrapped by every validation error, so callers can branch with errors.Is
// (for example to set the reason InvalidDependencyGraph) without knowing the concrete type.
var ErrInvalidGraph = errors.New("invalid dependency graph")

// Every message starts with a field path relative to the workflow spec (steps[i]...), so a
// caller only prefixes "spec." to point the user at the exact place in their YAML.

// EmptyNameError reports a step without a name.
type EmptyNameError struct {
	Index int
}

// Error formats the problem as "field path: reason".
func (e *EmptyNameError) Error() string {
	return fmt.Sprintf("steps[%d].name: must not be empty", e.Index)
}

// Is makes errors.Is(err, ErrInvalidGraph) true.
func (e *EmptyNameError) Is(target error) bool { return target == ErrInvalidGraph }

// DuplicateNameError reports a step whose name an earlier step already uses.
type DuplicateNameError struct {
	Name  string
	Index int // the duplicate
	First int // the step that used the name first
}

// Error formats the problem as "field path: reason".
func (e *DuplicateNameError) Error() string {
	return fmt.Sprintf("steps[%d].name: duplicate step name %q (first used by steps[%d])", e.Index, e.Name, e.First)
}

// Is makes errors.Is(err, ErrInvalidGraph) true.
func (e *DuplicateNameError) Is(target error) bool { return target == ErrInvalidGraph }

// UnknownDependencyError reports a runAfter entry naming no step of the workflow.
type UnknownDependencyError struct {
	Step       string
	Index      int // the step holding the entry
	DepIndex   int // the entry's position in runAfter
	Dependency string
}

// Error formats the problem as "field path: reason".
func (e *UnknownDependencyError) Error() string {
	return fmt.Sprintf("steps[%d].runAfter[%d]: step %q runs after unknown step %q", e.Index, e.DepIndex, e.Step, e.Dependency)
}

// Is makes errors.Is(err, ErrInvalidGraph) true.
func (e *UnknownDependencyError) Is(target error) bool { return target == ErrInvalidGraph }

// SelfDependencyError reports a step that lists itself in runAfter. It is the shortest cycle,
// reported on its own so the message points at the offending entry.
type SelfDependencyError struct {
	Step     string
	Index    int
	DepIndex int
}

// Error formats the problem as "field path: reason".
func (e *SelfDependencyError) Error() string {
	return fmt.Sprintf("steps[%d].runAfter[%d]: step %q runs after itself", e.Index, e.DepIndex, e.Step)
}

// Is makes errors.Is(err, ErrInvalidGraph) true.
func (e *SelfDependencyError) Is(target error) bool { return target == ErrInvalidGraph }

// DuplicateDependencyError reports a runAfter list naming the same step twice. It is an error
// rather than silently deduplicated: runAfter is a set, Kubernetes rejects duplicates in sets,
// and a repeated name is usually a typo for a step that was meant instead.
type DuplicateDependencyError struct {
	Step       string
	Index      int
	DepIndex   int // the repeated entry
	First      int // the entry that named the step first
	Dependency string
}

// Error formats the problem as "field path: reason".
func (e *DuplicateDependencyError) Error() string {
	return fmt.Sprintf("steps[%d].runAfter[%d]: step %q lists %q twice (first at runAfter[%d])",
		e.Index, e.DepIndex, e.Step, e.Dependency, e.First)
}

// Is makes errors.Is(err, ErrInvalidGraph) true.
func (e *DuplicateDependencyError) Is(target error) bool { return target == ErrInvalidGraph }

// CycleError reports one dependency cycle by its exact path, in execution order: in
// a -> b -> c -> a, b runs after a, c after b, and a after c. The path starts and ends with the
// cycle's step declared first. Index and DepIndex locate the runAfter entry that closes the
// cycle (Path[0] runs after Path[len-2]); removing it, or any other edge of the path, breaks
// this cycle.
type CycleError struct {
	Path     []string
	Index    int
	DepIndex int
}

// Error formats the problem as "field path: reason".
func (e *CycleError) Error() string {
	return fmt.Sprintf("steps[%d].runAfter[%d]: dependency cycle: %s", e.Index, e.DepIndex, strings.Join(e.Path, " -> "))
}

// Is makes errors.Is(err, ErrInvalidGraph) true.
func (e *CycleError) Is(target error) bool { return target == ErrInvalidGraph }
