package schedule

import (
	"time"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// Decide decides what happens next. It is pure and total: any Facts give a Decision, and the
// same Facts always give the same Decision.
//
// The rules, in order of precedence:
//   - Cancel, or Now at or past a non-zero Deadline, while a step is Running or Pending: every
//     Running step is stopped and every Pending step cancelled; the workflow ends Cancelled
//     (Cancel wins over the deadline: the user asked first) or Failed with DeadlineExceeded.
//     Once nothing is Running or Pending the workflow already ended on its own, and the outcome
//     is derived from the steps as below.
//   - A Pending step that depends, directly or transitively, on a Failed, Skipped or Cancelled
//     step can never run: it is Skipped with UpstreamNotCompleted.
//   - Fail fast: once any step Failed, every other Pending step is Skipped with StepFailed.
//     Running steps are left to finish.
//   - Otherwise a Pending step whose runAfter steps all Completed and whose RetryTime (if any)
//     has come starts, in spec order, while fewer than MaxParallel steps are Running (steps
//     started by this decision count). The others wait.
//
// Facts that the controller never produces still get a well-defined answer: MaxParallel below 1
// counts as 1; a runAfter name that no step has, or a cycle, never completes, so its dependants
// wait; with duplicate names the last step of a name is the one dependants see.
func Decide(f Facts) Decision {
	p := newPlanner(f)
	if phase, reason, stop := p.termination(); stop && p.unfinished() {
		return p.terminate(phase, reason)
	}
	d := p.schedule()
	p.settle(&d)
	return d
}

// planner holds the facts indexed for one decision. Steps are referred to by their index in
// Facts.Steps, so that the walk over dependencies costs slice reads, not map lookups.
type planner struct {
	f Facts
	// runAfter holds the indexes of each step's runAfter steps; -1 for a name no step has.
	runAfter [][]int
	// doomed memoises upstreamNotCompleted for Pending steps: unknown, no or yes.
	doomed []verdict
	// firstFailed is the first Failed step in spec order, "" when none failed.
	firstFailed string
	// retryTimes are the RetryTimes of the steps that wait.
	retryTimes []time.Time
}

// verdict is a memoised boolean that also knows "not computed yet".
type verdict uint8

const (
	unknown verdict = iota
	no
	yes
)

func newPlanner(f Facts) *planner {
	index := make(map[string]int, len(f.Steps))
	edges := 0
	for i, s := range f.Steps {
		index[s.Name] = i
		edges += len(s.RunAfter)
	}
	p := &planner{f: f, runAfter: make([][]int, len(f.Steps)), doomed: make([]verdict, len(f.Steps))}
	backing := make([]int, 0, edges) // one allocation for every step's list
	for i, s := range f.Steps {
		start := len(backing)
		for _, dep := range s.RunAfter {
			j, ok := index[dep]
			if !ok {
				j = -1
			}
			backing = append(backing, j)
		}
		p.runAfter[i] = backing[start:len(backing):len(backing)]
		if s.Phase == workflowv1alpha1.StepFailed && p.firstFailed == "" {
			p.firstFailed = s.Name
		}
	}
	return p
}

// termination reports whether the workflow must stop now, and the phase and reason it then ends
// with.
func (p *planner) termination() (workflowv1alpha1.WorkflowPhase, string, bool) {
	switch {
	case p.f.Cancel:
		return workflowv1alpha1.WorkflowCancelled, workflowv1alpha1.CancelledReason, true
	case !p.f.Deadline.IsZero() && !p.f.Now.Before(p.f.Deadline):
		return workflowv1alpha1.WorkflowFailed, workflowv1alpha1.DeadlineExceededReason, true
	}
	return "", "", false
}

// unfinished reports whether any step is still Running or Pending.
func (p *planner) unfinished() bool {
	for _, s := range p.f.Steps {
		if !s.Phase.IsFinished() {
			return true
		}
	}
	return false
}

// terminate stops every Running step and cancels every Pending one.
func (p *planner) terminate(phase workflowv1alpha1.WorkflowPhase, reason string) Decision {
	d := Decision{Phase: phase, Reason: reason}
	for _, s := range p.f.Steps {
		switch s.Phase {
		case workflowv1alpha1.StepRunning:
			d.Stop = append(d.Stop, s.Name)
		case workflowv1alpha1.StepPending:
			d.Cancel = append(d.Cancel, s.Name)
		}
	}
	return d
}

// schedule sorts every Pending step into Start, Waiting or Skip, in spec order.
func (p *planner) schedule() Decision {
	var d Decision
	budget := max(p.f.MaxParallel, 1) - p.count(workflowv1alpha1.StepRunning)
	for i, s := range p.f.Steps {
		if s.Phase != workflowv1alpha1.StepPending {
			continue
		}
		switch {
		case p.upstreamNotCompleted(i):
			d.Skip = append(d.Skip, Skip{Name: s.Name, Reason: workflowv1alpha1.UpstreamNotCompletedReason})
		case p.firstFailed != "":
			d.Skip = append(d.Skip, Skip{Name: s.Name, Reason: workflowv1alpha1.StepFailedReason})
		case budget > 0 && p.ready(i):
			d.Start = append(d.Start, s.Name)
			budget--
		default:
			d.Waiting = append(d.Waiting, s.Name)
			if s.RetryTime != nil {
				p.retryTimes = append(p.retryTimes, *s.RetryTime)
			}
		}
	}
	return d
}

// ready reports whether every runAfter step of step i Completed and its retry backoff, if any,
// is over.
func (p *planner) ready(i int) bool {
	for _, j := range p.runAfter[i] {
		if j < 0 || p.f.Steps[j].Phase != workflowv1alpha1.StepCompleted {
			return false
		}
	}
	rt := p.f.Steps[i].RetryTime
	return rt == nil || !p.f.Now.Before(*rt)
}

// upstreamNotCompleted reports whether the Pending step i depends, directly or transitively, on
// a step that Failed, was Skipped or was Cancelled, and so can never run.
func (p *planner) upstreamNotCompleted(i int) bool {
	if p.doomed[i] != unknown {
		return p.doomed[i] == yes
	}
	// Provisionally no: on a cycle (never produced by a validated graph) the walk ends here
	// instead of recursing forever, and a cycle alone never dooms a step.
	p.doomed[i] = no
	for _, j := range p.runAfter[i] {
		if j >= 0 && p.neverCompletes(j) {
			p.doomed[i] = yes
			return true
		}
	}
	return false
}

// neverCompletes reports whether step j has ended without completing, or is Pending behind such
// a step.
func (p *planner) neverCompletes(j int) bool {
	switch p.f.Steps[j].Phase {
	case workflowv1alpha1.StepFailed, workflowv1alpha1.StepSkipped, workflowv1alpha1.StepCancelled:
		return true
	case workflowv1alpha1.StepPending:
		return p.upstreamNotCompleted(j)
	}
	return false
}

func (p *planner) count(phase workflowv1alpha1.StepPhase) int {
	n := 0
	for _, s := range p.f.Steps {
		if s.Phase == phase {
			n++
		}
	}
	return n
}

// settle fills in the workflow's phase, reason and requeue time as they are once d is carried
// out.
func (p *planner) settle(d *Decision) {
	if len(d.Waiting) > 0 || len(d.Start) > 0 || p.count(workflowv1alpha1.StepRunning) > 0 {
		d.Phase, d.Reason = workflowv1alpha1.WorkflowRunning, workflowv1alpha1.RunningReason
		d.RequeueAfter = p.requeueAfter()
		return
	}
	switch {
	case p.firstFailed != "":
		d.Phase, d.Reason, d.FailedStep = workflowv1alpha1.WorkflowFailed, workflowv1alpha1.StepFailedReason, p.firstFailed
	case p.count(workflowv1alpha1.StepCancelled) > 0:
		d.Phase, d.Reason = workflowv1alpha1.WorkflowCancelled, workflowv1alpha1.CancelledReason
	case len(d.Skip) > 0 || p.count(workflowv1alpha1.StepSkipped) > 0:
		// Skipped steps with nothing Failed or Cancelled upstream: the controller never
		// produces this, and "Completed" would claim work was done that was not.
		d.Phase, d.Reason = workflowv1alpha1.WorkflowFailed, workflowv1alpha1.StepFailedReason
	default:
		d.Phase, d.Reason = workflowv1alpha1.WorkflowCompleted, workflowv1alpha1.SucceededReason
	}
}

// requeueAfter is the time until the earliest future RetryTime of the waiting steps or the
// deadline, whichever comes first; zero when neither is set. Everything else that unblocks a
// waiting step (a step finishing) arrives as a watch event.
func (p *planner) requeueAfter() time.Duration {
	var next time.Time
	for _, t := range append(p.retryTimes, p.f.Deadline) {
		if t.After(p.f.Now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	if next.IsZero() {
		return 0
	}
	return next.Sub(p.f.Now)
}
