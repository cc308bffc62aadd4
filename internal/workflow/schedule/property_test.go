package schedule

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// randomDAG returns n steps named s000…, all Pending, whose runAfter lists only name steps that
// come earlier in a hidden topological order; the declaration order is then shuffled, so steps
// are often declared before their dependencies, as users may write them.
func randomDAG(rng *rand.Rand, n int, edgeChance float64) []Step {
	list := make([]Step, n)
	for i := range list {
		list[i] = Step{Name: fmt.Sprintf("s%03d", i), Phase: pending}
		for j := range i {
			if rng.Float64() < edgeChance {
				list[i].RunAfter = append(list[i].RunAfter, list[j].Name)
			}
		}
	}
	rng.Shuffle(n, func(i, j int) { list[i], list[j] = list[j], list[i] })
	return list
}

var allPhases = []workflowv1alpha1.StepPhase{pending, pending, running, completed, completed, failed, skipped, cancelled}

// randomFacts gives every step of a random DAG a random phase (not necessarily one the
// controller could reach: Decide is total), some retry times, and random limits, cancel and
// deadline.
func randomFacts(rng *rand.Rand) Facts {
	f := Facts{
		Now:         t0,
		Steps:       randomDAG(rng, 1+rng.IntN(30), rng.Float64()*0.3),
		MaxParallel: rng.IntN(7), // 0 included: counts as 1
		Cancel:      rng.IntN(10) == 0,
	}
	if rng.IntN(4) == 0 {
		f.Deadline = t0.Add(time.Duration(rng.IntN(120)-60) * time.Second)
	}
	failures := rng.IntN(3) == 0
	for i := range f.Steps {
		f.Steps[i].Phase = allPhases[rng.IntN(len(allPhases))]
		if !failures && (f.Steps[i].Phase == failed || f.Steps[i].Phase == skipped) {
			f.Steps[i].Phase = completed
		}
		if f.Steps[i].Phase == pending && rng.IntN(4) == 0 {
			at := t0.Add(time.Duration(rng.IntN(60)-30) * time.Second)
			f.Steps[i].RetryTime = &at
		}
	}
	return f
}

func TestDecideInvariantsOnRandomWorkflows(t *testing.T) {
	for seed := range uint64(2000) {
		rng := rand.New(rand.NewPCG(seed, 0x5eed))
		f := randomFacts(rng)
		d := Decide(f)
		if problems := invariantViolations(f, d); len(problems) > 0 {
			t.Fatalf("seed %d: facts %+v\ndecision %+v\nviolations:\n%v", seed, f, d, problems)
		}
		if again := Decide(cloneFacts(f)); !cmp.Equal(d, again) {
			t.Fatalf("seed %d: Decide is not deterministic:\n%s", seed, cmp.Diff(d, again))
		}
	}
}

// invariantViolations checks what must hold for every decision, whatever the facts.
func invariantViolations(f Facts, d Decision) []string {
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	byName := map[string]Step{}
	for _, s := range f.Steps {
		byName[s.Name] = s
	}
	checkPartition(f, d, fail)
	stopping := f.Cancel || (!f.Deadline.IsZero() && !f.Now.Before(f.Deadline))
	anyFailed := slices.ContainsFunc(f.Steps, func(s Step) bool { return s.Phase == failed })
	if len(d.Start) > 0 && (stopping || anyFailed) {
		fail("started %v although the workflow is stopping or a step failed", d.Start)
	}
	runningBefore := countPhase(f.Steps, running)
	if len(d.Start) > 0 && runningBefore+len(d.Start) > max(f.MaxParallel, 1) {
		fail("%d running + %d started exceeds the limit %d", runningBefore, len(d.Start), f.MaxParallel)
	}
	for _, name := range d.Start {
		if !depsCompleted(byName[name], byName) || retryPending(byName[name], f.Now) {
			fail("started %s before its runAfter steps completed or its backoff ended", name)
		}
	}
	if budget := max(f.MaxParallel, 1) - runningBefore - len(d.Start); budget > 0 && !stopping && !anyFailed {
		for _, name := range d.Waiting {
			if depsCompleted(byName[name], byName) && !retryPending(byName[name], f.Now) {
				fail("%s is ready and a slot is free, but it waits", name)
			}
		}
	}
	for _, name := range d.Stop {
		if byName[name].Phase != running {
			fail("stops %s, which is %s, not Running", name, byName[name].Phase)
		}
	}
	goesOn := len(d.Start)+len(d.Waiting) > 0 || (runningBefore > 0 && len(d.Stop) == 0)
	if goesOn != (d.Phase == workflowv1alpha1.WorkflowRunning) {
		fail("phase %s, but steps still running or waiting: %t", d.Phase, goesOn)
	}
	return problems
}

// checkPartition checks that every Pending step is in exactly one of Start, Waiting, Skip and
// Cancel, no other step is, and each list is in spec order.
func checkPartition(f Facts, d Decision, fail func(string, ...any)) {
	seen := map[string]int{}
	skipNames := make([]string, len(d.Skip))
	for i, s := range d.Skip {
		skipNames[i] = s.Name
	}
	position := map[string]int{}
	for i, s := range f.Steps {
		position[s.Name] = i
	}
	for _, list := range [][]string{d.Start, d.Waiting, skipNames, d.Cancel} {
		if !slices.IsSortedFunc(list, func(a, b string) int { return position[a] - position[b] }) {
			fail("%v is not in spec order", list)
		}
		for _, name := range list {
			seen[name]++
		}
	}
	for _, s := range f.Steps {
		want := 0
		if s.Phase == pending {
			want = 1
		}
		if seen[s.Name] != want {
			fail("%s step %s appears %d times in Start/Waiting/Skip/Cancel, want %d", s.Phase, s.Name, seen[s.Name], want)
		}
	}
}

func depsCompleted(s Step, byName map[string]Step) bool {
	for _, dep := range s.RunAfter {
		if byName[dep].Phase != completed {
			return false
		}
	}
	return true
}

func retryPending(s Step, now time.Time) bool { return s.RetryTime != nil && now.Before(*s.RetryTime) }

func countPhase(list []Step, phase workflowv1alpha1.StepPhase) int {
	n := 0
	for _, s := range list {
		if s.Phase == phase {
			n++
		}
	}
	return n
}

func cloneFacts(f Facts) Facts {
	c := f
	c.Steps = make([]Step, len(f.Steps))
	for i, s := range f.Steps {
		c.Steps[i] = s
		c.Steps[i].RunAfter = slices.Clone(s.RunAfter)
		if s.RetryTime != nil {
			rt := *s.RetryTime
			c.Steps[i].RetryTime = &rt
		}
	}
	return c
}
