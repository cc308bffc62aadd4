package workflowexecution

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// Metrics of the controller, served with controller-runtime's own (reconcile counts, durations,
// work queue) on the manager's metrics endpoint.
var (
	// finishedWorkflows counts finished workflows by engine, phase and Ready reason, so that
	// failures (StepFailed, DeadlineExceeded, InvalidDependencyGraph, ...) can be alerted on.
	finishedWorkflows = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kubernaut_workflowexecution_finished_total",
		Help: "WorkflowExecutions that reached Completed, Failed or Cancelled, by engine, phase and Ready reason.",
	}, []string{"engine", "phase", "reason"})
	// workflowDuration is the time from a workflow's start (validation) to its end.
	workflowDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "kubernaut_workflowexecution_duration_seconds",
		Help:    "Seconds from a WorkflowExecution's start to its completion, by engine and phase.",
		Buckets: prometheus.ExponentialBuckets(1, 2, 14), // 1 s to ~2.3 h
	}, []string{"engine", "phase"})
	// finishedSteps counts finished steps by engine, phase and reason (the child's Ready reason,
	// or UpstreamNotCompleted, Cancelled, ...).
	finishedSteps = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kubernaut_workflowexecution_step_finished_total",
		Help: "Workflow steps that reached Completed, Failed, Skipped or Cancelled, by engine, phase and reason.",
	}, []string{"engine", "phase", "reason"})
	// stepDuration is the time from a step's first attempt to its end, retries included.
	stepDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "kubernaut_workflowexecution_step_duration_seconds",
		Help:    "Seconds from a workflow step's first attempt to its end, retries included, by engine.",
		Buckets: prometheus.ExponentialBuckets(0.5, 2, 14), // 0.5 s to ~68 min
	}, []string{"engine"})
	// stepTransition is the controller's overhead between steps: from the completion of the last
	// runAfter step, as its child recorded it, to the creation of the next step's child. The
	// API stores times to the second, so a value can exceed the true one by up to a second; the
	// stepTransition benchmark measures the same interval precisely.
	stepTransition = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "kubernaut_workflowexecution_step_transition_seconds",
		Help:    "Seconds from a step's last runAfter step completing to the step's child being created (1 s resolution).",
		Buckets: prometheus.ExponentialBuckets(0.025, 2, 12), // 25 ms to ~51 s
	})
	// queueDepth is the number of steps waiting, summed over the workflows not finished.
	queueDepth = &waitingSteps{byWorkflow: map[types.NamespacedName]int{}}
)

// Registering in init is controller-runtime's convention for its global registry: metrics exist
// once per process, however many managers a test starts.
func init() {
	metrics.Registry.MustRegister(finishedWorkflows, workflowDuration, finishedSteps, stepDuration, stepTransition,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kubernaut_workflowexecution_steps_waiting",
			Help: "Workflow steps waiting for a dependency, a parallel slot or a retry's backoff, over all running workflows.",
		}, queueDepth.total))
}

// waitingSteps holds the number of waiting steps of each running workflow. Entries are dropped
// when a workflow finishes or is deleted, so the sum never counts a workflow twice or forever.
type waitingSteps struct {
	mu         sync.Mutex
	byWorkflow map[types.NamespacedName]int
}

func (w *waitingSteps) set(key types.NamespacedName, n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.byWorkflow[key] = n
}

func (w *waitingSteps) forget(key types.NamespacedName) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.byWorkflow, key)
}

func (w *waitingSteps) total() float64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	sum := 0
	for _, n := range w.byWorkflow {
		sum += n
	}
	return float64(sum)
}

// observeTransition records the metrics of a status transition written by patchStatus.
func observeTransition(before, after *workflowv1alpha1.WorkflowExecution) {
	engine := string(after.Status.Engine)
	for i := range after.Status.Steps {
		st := &after.Status.Steps[i]
		if was := before.Status.StepStatus(st.Name); !st.Phase.IsFinished() || (was != nil && was.Phase.IsFinished()) {
			continue
		}
		finishedSteps.WithLabelValues(engine, string(st.Phase), st.Reason).Inc()
		if st.StartTime != nil && st.CompletionTime != nil {
			stepDuration.WithLabelValues(engine).Observe(st.CompletionTime.Sub(st.StartTime.Time).Seconds())
		}
	}
	if before.Status.Phase.IsFinished() || !after.Status.Phase.IsFinished() {
		return
	}
	reason := ""
	if ready := apimeta.FindStatusCondition(after.Status.Conditions, workflowv1alpha1.ReadyCondition); ready != nil {
		reason = ready.Reason
	}
	finishedWorkflows.WithLabelValues(engine, string(after.Status.Phase), reason).Inc()
	start := after.CreationTimestamp.Time
	if after.Status.StartTime != nil {
		start = after.Status.StartTime.Time
	}
	if after.Status.CompletionTime != nil {
		workflowDuration.WithLabelValues(engine, string(after.Status.Phase)).Observe(after.Status.CompletionTime.Sub(start).Seconds())
	}
}
