package schedule

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/workflow/dag"
)

// simulation plays the controller: it applies every Decision, lets one running attempt end at
// a time (succeeding or failing at random), feeds failures through AfterAttempt, and moves its
// clock forward when only backoffs remain, until the workflow reaches a terminal phase.
type simulation struct {
	t           *testing.T
	rng         *rand.Rand
	facts       Facts
	failChance  float64
	retries     map[string]int32
	attempts    map[string]int32
	started     []string // attempt starts, in order
	maxRunning  int
	firstFailAt int // len(started) when the first step Failed; -1 before
}

func newSimulation(t *testing.T, rng *rand.Rand, list []Step, maxParallel int, failChance float64) *simulation {
	s := &simulation{
		t: t, rng: rng, failChance: failChance, firstFailAt: -1,
		facts:    Facts{Now: t0, Steps: list, MaxParallel: maxParallel},
		retries:  map[string]int32{},
		attempts: map[string]int32{},
	}
	for _, step := range list {
		s.retries[step.Name] = int32(rng.IntN(3))
	}
	return s
}

// run drives the workflow to its end and returns the final decision.
func (s *simulation) run() Decision {
	s.t.Helper()
	for round := 0; round < 100*len(s.facts.Steps)+10; round++ {
		d := Decide(s.facts)
		if problems := invariantViolations(s.facts, d); len(problems) > 0 {
			s.t.Fatalf("round %d: %v", round, problems)
		}
		s.apply(d)
		if d.Phase.IsFinished() {
			return d
		}
		s.advance(d)
	}
	s.t.Fatalf("the workflow did not finish: %+v", s.facts.Steps)
	return Decision{}
}

func (s *simulation) apply(d Decision) {
	s.t.Helper()
	set := func(name string, phase workflowv1alpha1.StepPhase) {
		i := slices.IndexFunc(s.facts.Steps, func(st Step) bool { return st.Name == name })
		s.facts.Steps[i].Phase, s.facts.Steps[i].RetryTime = phase, nil
	}
	for _, name := range d.Start {
		set(name, running)
		s.attempts[name]++
		s.started = append(s.started, name)
	}
	for _, sk := range d.Skip {
		set(sk.Name, skipped)
	}
	for _, name := range append(slices.Clone(d.Cancel), d.Stop...) {
		set(name, cancelled)
	}
	s.maxRunning = max(s.maxRunning, countPhase(s.facts.Steps, running))
	if n := countPhase(s.facts.Steps, running); n > s.facts.MaxParallel {
		s.t.Fatalf("%d steps running, limit %d", n, s.facts.MaxParallel)
	}
}

// advance ends one running attempt, or, with nothing running, waits for the next timer.
func (s *simulation) advance(d Decision) {
	s.t.Helper()
	s.facts.Now = s.facts.Now.Add(time.Duration(s.rng.IntN(3000)) * time.Millisecond)
	var runningIdx []int
	for i, st := range s.facts.Steps {
		if st.Phase == running {
			runningIdx = append(runningIdx, i)
		}
	}
	if len(runningIdx) == 0 {
		if d.RequeueAfter <= 0 {
			s.t.Fatalf("nothing runs and no timer is set, the workflow is stuck: %+v", s.facts.Steps)
		}
		s.facts.Now = s.facts.Now.Add(d.RequeueAfter)
		return
	}
	st := &s.facts.Steps[runningIdx[s.rng.IntN(len(runningIdx))]]
	phase, retryTime := AfterAttempt(Attempt{
		Succeeded:  s.rng.Float64() >= s.failChance,
		Retryable:  s.rng.IntN(4) != 0,
		Attempts:   s.attempts[st.Name],
		Retries:    s.retries[st.Name],
		FinishedAt: s.facts.Now,
	}, func(retry int) time.Duration { return time.Duration(retry) * time.Second })
	st.Phase, st.RetryTime = phase, retryTime
	if phase == failed && s.firstFailAt < 0 {
		s.firstFailAt = len(s.started)
	}
}

func graphOf(t *testing.T, list []Step) *dag.Graph {
	t.Helper()
	nodes := make([]dag.Node, len(list))
	for i, s := range list {
		nodes[i] = dag.Node{Name: s.Name, RunAfter: s.RunAfter}
	}
	g, err := dag.New(nodes)
	if err != nil {
		t.Fatalf("the random DAG is invalid: %v", err)
	}
	return g
}

func TestSimulatedWorkflowsThatSucceedCompleteInTopologicalOrder(t *testing.T) {
	for seed := range uint64(200) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 1))
			list := randomDAG(rng, 1+rng.IntN(40), rng.Float64()*0.2)
			g := graphOf(t, list)
			sim := newSimulation(t, rng, list, 1+rng.IntN(6), 0)
			d := sim.run()
			if d.Phase != workflowv1alpha1.WorkflowCompleted || countPhase(sim.facts.Steps, completed) != len(list) {
				t.Fatalf("phase %s, steps %+v; want every step Completed", d.Phase, sim.facts.Steps)
			}
			if len(sim.started) != len(list) {
				t.Errorf("%d attempts started for %d steps that all succeeded at once", len(sim.started), len(list))
			}
			position := map[string]int{}
			for i, name := range sim.started {
				position[name] = i
			}
			for _, name := range g.Names() {
				for dep := range g.Ancestors(name) {
					if position[dep] >= position[name] {
						t.Errorf("%s started before its ancestor %s", name, dep)
					}
				}
			}
		})
	}
}

func TestSimulatedWorkflowsWithFailuresFailFast(t *testing.T) {
	failedRuns := 0
	for seed := range uint64(300) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 2))
			list := randomDAG(rng, 2+rng.IntN(40), rng.Float64()*0.2)
			g := graphOf(t, list)
			sim := newSimulation(t, rng, list, 1+rng.IntN(6), 0.3)
			d := sim.run()
			var failedSteps []string
			for _, st := range sim.facts.Steps {
				if st.Phase == failed {
					failedSteps = append(failedSteps, st.Name)
				}
			}
			if len(failedSteps) == 0 {
				if d.Phase != workflowv1alpha1.WorkflowCompleted {
					t.Fatalf("no step failed, but the workflow is %s", d.Phase)
				}
				return
			}
			failedRuns++
			if d.Phase != workflowv1alpha1.WorkflowFailed || d.Reason != workflowv1alpha1.StepFailedReason || d.FailedStep != failedSteps[0] {
				t.Fatalf("decision %+v, want Failed/StepFailed naming %s", d, failedSteps[0])
			}
			checkFailFast(t, sim, g, failedSteps)
		})
	}
	if failedRuns < 100 {
		t.Errorf("only %d of 300 simulated workflows failed; the test does not exercise fail fast", failedRuns)
	}
}

// checkFailFast checks the end state of a failed workflow: nothing started after the first
// failure, every dependant of a failed step Skipped, and no step left unfinished.
func checkFailFast(t *testing.T, sim *simulation, g *dag.Graph, failedSteps []string) {
	t.Helper()
	if sim.firstFailAt >= 0 && len(sim.started) > sim.firstFailAt {
		t.Errorf("started %v after the first failure", sim.started[sim.firstFailAt:])
	}
	phase := map[string]workflowv1alpha1.StepPhase{}
	for _, st := range sim.facts.Steps {
		phase[st.Name] = st.Phase
		if !st.Phase.IsFinished() {
			t.Errorf("step %s is %s after the workflow ended", st.Name, st.Phase)
		}
	}
	for _, name := range failedSteps {
		for dep := range g.Descendants(name) {
			if phase[dep] != skipped {
				t.Errorf("%s depends on failed %s but is %s, want Skipped", dep, name, phase[dep])
			}
		}
	}
}

func TestFiftyParallelStepsNeverExceedTheLimit(t *testing.T) {
	list := make([]Step, 50)
	for i := range list {
		list[i] = Step{Name: fmt.Sprintf("step-%02d", i), Phase: pending}
	}
	sim := newSimulation(t, rand.New(rand.NewPCG(50, 5)), list, 5, 0)
	d := sim.run()
	if d.Phase != workflowv1alpha1.WorkflowCompleted {
		t.Fatalf("phase %s, want Completed", d.Phase)
	}
	if sim.maxRunning != 5 {
		t.Errorf("at most %d steps ran at once, want exactly the limit 5", sim.maxRunning)
	}
	if got := sim.started[:5]; !slices.Equal(got, []string{"step-00", "step-01", "step-02", "step-03", "step-04"}) {
		t.Errorf("the first steps started were %v, want the first five in spec order", got)
	}
}
