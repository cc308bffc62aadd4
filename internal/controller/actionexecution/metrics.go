package actionexecution

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
)

// Metrics of the controller, served with controller-runtime's own (reconcile counts, durations,
// work queue) on the manager's metrics endpoint.
var (
	// finishedRuns counts finished runs by phase and Ready reason, so that refusals
	// (VerificationFailed, PermissionsExceedCeiling, ...) can be alerted on. Runs of engine
	// tekton finish as Prepared (or Failed when refused).
	finishedRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kubernaut_actionexecution_finished_total",
		Help: "ActionExecutions that reached Succeeded, Failed or Prepared (engine tekton), by phase and Ready reason.",
	}, []string{"phase", "reason"})
	// launchLatency is the time from an ActionExecution's creation to its Job's creation, or to
	// phase Prepared with engine tekton: verification, contract loading and the checks before
	// launch, the same work for both engines.
	launchLatency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "kubernaut_actionexecution_launch_seconds",
		Help:    "Seconds from ActionExecution creation to Job creation or, engine tekton, to Prepared (verification, contract, checks).",
		Buckets: prometheus.ExponentialBuckets(0.01, 2, 12), // 10 ms to ~20 s
	})
	// verificationLatency is the time of one signature verification, by outcome: a cache hit
	// takes microseconds, a cold verification one or more registry round trips.
	verificationLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "kubernaut_actionexecution_verification_seconds",
		Help:    "Seconds spent verifying an image signature (cache hits included), by result.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10), // 100 µs to ~26 s
	}, []string{"result"})
)

// Registering in init is controller-runtime's convention for its global registry: metrics exist
// once per process, however many managers a test starts.
func init() {
	metrics.Registry.MustRegister(finishedRuns, launchLatency, verificationLatency)
}

// observeTransition records the metrics of a status transition written by patchStatus.
func observeTransition(before, after *executionv1alpha1.ActionExecution) {
	ready := apimeta.FindStatusCondition(after.Status.Conditions, executionv1alpha1.ReadyCondition)
	if before.Status.JobRef == nil && after.Status.JobRef != nil && after.Status.StartTime != nil {
		launchLatency.Observe(after.Status.StartTime.Sub(after.CreationTimestamp.Time).Seconds())
	}
	// A Prepared run (engine tekton) has no Job; it was launched when Ready said Prepared.
	if before.Status.Phase != executionv1alpha1.PhasePrepared && after.Status.Phase == executionv1alpha1.PhasePrepared && ready != nil {
		launchLatency.Observe(ready.LastTransitionTime.Sub(after.CreationTimestamp.Time).Seconds())
	}
	if !before.Status.Phase.IsFinished() && after.Status.Phase.IsFinished() {
		reason := ""
		if ready != nil {
			reason = ready.Reason
		}
		finishedRuns.WithLabelValues(string(after.Status.Phase), reason).Inc()
	}
}

// observeVerification records one call of the verifier.
func observeVerification(d time.Duration, err error) {
	result := "verified"
	if err != nil {
		result = "failed"
	}
	verificationLatency.WithLabelValues(result).Observe(d.Seconds())
}
