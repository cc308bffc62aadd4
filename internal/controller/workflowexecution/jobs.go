package workflowexecution

import (
	"context"
	"fmt"
	"time"

	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/settings"
	"github.com/kubernaut/kubernaut/internal/workflow/schedule"
)

// Labels on the children of a workflow on the Job engine: the ActionExecutions and the workspace.
const (
	// LabelWorkflow holds the workflow's name (shortened like actionjob.ChildName when longer
	// than a label value may be); children are listed by it, then filtered by owner.
	LabelWorkflow = "kubernaut.ai/workflow"
	// LabelStep holds the step's name on an ActionExecution.
	LabelStep = "kubernaut.ai/step"
	// LabelAttempt holds the attempt number (1, 2, ...) on an ActionExecution.
	LabelAttempt = "kubernaut.ai/attempt"
)

// JobEngine runs each step of a workflow as one ActionExecution per attempt, which the
// ActionExecution controller verifies and runs as a Job (DESIGN D6). It holds no state: every
// Run derives it again from the workflow's status and its children.
type JobEngine struct {
	// Client reads through the manager's cache (ActionExecutions, workspace claims) and writes
	// to the API server.
	Client client.Client
	// APIReader reads past the cache after AlreadyExists, to check who owns the object.
	APIReader client.Reader
	// Clock stamps times and measures retry backoff and deadlines; tests inject a fake.
	Clock clock.PassiveClock
}

var _ Engine = (*JobEngine)(nil)

// Run implements Engine: it gathers the facts (the status, updated from the children), lets the
// scheduler decide, and acts. A step that cannot start (its inputs cannot be built, or its
// child's name is taken) fails on the spot; the scheduler then decides again, so fail fast
// applies within the same reconcile and one status write records everything.
func (e *JobEngine) Run(ctx context.Context, obj *workflowv1alpha1.WorkflowExecution, s settings.Settings) (Progress, error) {
	kids, err := e.listChildren(ctx, obj)
	if err != nil {
		return Progress{}, err
	}
	initSteps(obj)
	now := e.Clock.Now()
	for i := range obj.Spec.Steps {
		observe(&obj.Status.Steps[i], &obj.Spec.Steps[i], kids, s, now)
	}
	if err := e.failDeletedChildren(ctx, obj, kids, schedule.Decide(facts(obj, s, now)).Stop, now); err != nil {
		return Progress{}, err
	}
	for round := 0; ; round++ {
		d := schedule.Decide(facts(obj, s, now))
		startFailed, err := e.act(ctx, obj, d, s, now)
		if err != nil {
			return Progress{}, err
		}
		if !startFailed || round >= len(obj.Spec.Steps) {
			return progressFrom(obj, d, s), nil
		}
	}
}

// facts are what the scheduler needs, from the spec, the status and the settings.
func facts(obj *workflowv1alpha1.WorkflowExecution, s settings.Settings, now time.Time) schedule.Facts {
	f := schedule.Facts{
		Now:         now,
		Steps:       make([]schedule.Step, len(obj.Spec.Steps)),
		MaxParallel: maxParallel(obj, s),
		Cancel:      obj.Spec.Cancel,
	}
	for i, spec := range obj.Spec.Steps {
		st := obj.Status.Steps[i]
		f.Steps[i] = schedule.Step{Name: spec.Name, RunAfter: spec.RunAfter, Phase: st.Phase}
		if st.RetryTime != nil {
			f.Steps[i].RetryTime = &st.RetryTime.Time
		}
	}
	if obj.Status.StartTime != nil {
		f.Deadline = obj.Status.StartTime.Add(workflowTimeout(obj, s))
	}
	return f
}

// maxParallel is spec.maxParallelSteps, else the settings' (at least 1).
func maxParallel(obj *workflowv1alpha1.WorkflowExecution, s settings.Settings) int {
	if obj.Spec.MaxParallelSteps != nil {
		return int(*obj.Spec.MaxParallelSteps)
	}
	return max(s.MaxParallelSteps, 1)
}

// workflowTimeout is spec.timeout, else the settings'.
func workflowTimeout(obj *workflowv1alpha1.WorkflowExecution, s settings.Settings) time.Duration {
	if obj.Spec.Timeout != nil {
		return obj.Spec.Timeout.Duration
	}
	return s.WorkflowTimeout
}

// progressFrom turns the scheduler's decision into the workflow's progress and Ready message.
func progressFrom(obj *workflowv1alpha1.WorkflowExecution, d schedule.Decision, s settings.Settings) Progress {
	p := Progress{Phase: d.Phase, Reason: d.Reason, FailedStep: d.FailedStep, Waiting: len(d.Waiting), RequeueAfter: d.RequeueAfter}
	switch d.Reason {
	case workflowv1alpha1.SucceededReason:
		p.Message = fmt.Sprintf("All %d steps completed", len(obj.Spec.Steps))
	case workflowv1alpha1.StepFailedReason:
		p.Message = fmt.Sprintf("Step %s failed", d.FailedStep)
		if st := obj.Status.StepStatus(d.FailedStep); st != nil {
			p.Message = fmt.Sprintf("Step %s failed (%s): %s", d.FailedStep, st.Reason, st.Message)
		}
	case workflowv1alpha1.DeadlineExceededReason:
		p.Message = fmt.Sprintf("The workflow did not finish within its timeout of %s", workflowTimeout(obj, s))
	case workflowv1alpha1.CancelledReason:
		p.Message = "The workflow was cancelled through spec.cancel"
	default:
		p.Message = runningMessage(obj)
	}
	return p
}

// runningMessage says how far a running workflow is: "2/5 steps completed; running: a, b".
func runningMessage(obj *workflowv1alpha1.WorkflowExecution) string {
	var running []string
	for _, st := range obj.Status.Steps {
		if st.Phase == workflowv1alpha1.StepRunning {
			running = append(running, st.Name)
		}
	}
	msg := progressOf(obj) + " steps completed"
	if len(running) > 0 {
		msg += "; running: " + stepList(running)
	}
	return msg
}
