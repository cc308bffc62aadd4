package workflowexecution

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/settings"
)

// routing is the router's decision for one workflow.
type routing struct {
	// engine runs the workflow, unless refused.
	engine workflowv1alpha1.Engine
	// reason is the EngineSelected reason (workflowv1alpha1 Engine*Reason), message its sentence.
	reason  string
	message string
	// refused is true when the workflow demands an engine this build cannot run: it fails.
	refused bool
}

// route decides which engine runs a workflow (DESIGN D8). It is pure: the annotation
// kubernaut.ai/engine overrides the settings; the settings route to Tekton only when it is
// enabled, and then by the first matching rule (workflowTypes, minSteps, percent), or every
// workflow when no rule is configured. An engine that is not available fails the workflow when
// the annotation demands it, and falls back to jobs with reason TektonUnavailable when the
// settings chose it.
func route(obj *workflowv1alpha1.WorkflowExecution, s settings.Settings, available func(workflowv1alpha1.Engine) bool) routing {
	if value, set := obj.Annotations[workflowv1alpha1.EngineAnnotation]; set {
		return routeByAnnotation(value, available)
	}
	d, toTekton := routeBySettings(obj, s.Tekton)
	if !toTekton {
		return d
	}
	if !available(workflowv1alpha1.EngineTekton) {
		return routing{engine: workflowv1alpha1.EngineJobs, reason: workflowv1alpha1.EngineTektonUnavailableReason,
			message: d.message + ", but Tekton is not available (its CRDs are not installed); the jobs engine runs the workflow"}
	}
	return d
}

// routeByAnnotation follows the kubernaut.ai/engine annotation.
func routeByAnnotation(value string, available func(workflowv1alpha1.Engine) bool) routing {
	switch value {
	case string(workflowv1alpha1.EngineJobs):
		return routing{engine: workflowv1alpha1.EngineJobs, reason: workflowv1alpha1.EngineAnnotationReason,
			message: "The kubernaut.ai/engine annotation selects the jobs engine"}
	case string(workflowv1alpha1.EngineTekton):
		if available(workflowv1alpha1.EngineTekton) {
			return routing{engine: workflowv1alpha1.EngineTekton, reason: workflowv1alpha1.EngineAnnotationReason,
				message: "The kubernaut.ai/engine annotation selects the tekton engine"}
		}
		return routing{refused: true, reason: workflowv1alpha1.EngineTektonUnavailableReason,
			message: "The kubernaut.ai/engine annotation demands the tekton engine, which is not available (the Tekton CRDs are not installed or the controller runs without Tekton support); install Tekton Pipelines, or remove the annotation or set it to jobs"}
	}
	return routing{engine: workflowv1alpha1.EngineJobs, reason: workflowv1alpha1.EngineDefaultReason,
		message: fmt.Sprintf("The kubernaut.ai/engine annotation value %q is neither jobs nor tekton and was ignored; the default engine jobs runs the workflow", value)}
}

// routeBySettings applies the tekton.* settings. toTekton reports whether they chose Tekton;
// the returned routing then names Tekton with the matching rule's reason.
func routeBySettings(obj *workflowv1alpha1.WorkflowExecution, t settings.TektonSettings) (d routing, toTekton bool) {
	tekton := func(reason, format string, args ...any) (routing, bool) {
		return routing{engine: workflowv1alpha1.EngineTekton, reason: reason, message: fmt.Sprintf(format, args...)}, true
	}
	switch {
	case !t.Enabled:
		return routing{engine: workflowv1alpha1.EngineJobs, reason: workflowv1alpha1.EngineDefaultReason,
			message: "tekton.enabled is false; the default engine jobs runs the workflow"}, false
	case obj.Spec.WorkflowType != "" && slices.Contains(t.WorkflowTypes, obj.Spec.WorkflowType):
		return tekton(workflowv1alpha1.EngineWorkflowTypeReason, "tekton.workflowTypes lists %q", obj.Spec.WorkflowType)
	case t.MinSteps > 0 && len(obj.Spec.Steps) > t.MinSteps:
		return tekton(workflowv1alpha1.EngineMinStepsReason, "The workflow has %d steps, more than tekton.minSteps (%d)", len(obj.Spec.Steps), t.MinSteps)
	case t.Percent > 0 && rolloutBucket(obj.UID) < t.Percent:
		return tekton(workflowv1alpha1.EnginePercentReason, "The workflow's UID falls in bucket %d, inside tekton.percent (%d)", rolloutBucket(obj.UID), t.Percent)
	case len(t.WorkflowTypes) == 0 && t.MinSteps == 0 && t.Percent == 0:
		return tekton(workflowv1alpha1.EngineDefaultReason, "tekton.enabled with no narrower rule routes every workflow to tekton")
	}
	return routing{engine: workflowv1alpha1.EngineJobs, reason: workflowv1alpha1.EngineDefaultReason,
		message: "tekton.enabled is true but no tekton rule (workflowTypes, minSteps, percent) matched; the default engine jobs runs the workflow"}, false
}

// rolloutBucket places a workflow in one of 100 buckets by a stable hash of its UID, so a
// percent rollout is the same decision on every controller replica and after restarts, and
// raising the percent only adds workflows to Tekton (a bucket below the old value stays below).
func rolloutBucket(uid types.UID) int {
	h := fnv.New32a()
	h.Write([]byte(uid))
	return int(h.Sum32() % 100)
}

// reconcileEngine decides the engine once and records it with the reason; a flag flip later
// affects new workflows only. A workflow recorded for an engine this controller cannot run
// (after a downgrade) fails rather than switching engines midway.
func (r *Reconciler) reconcileEngine(_ context.Context, run *run) error {
	obj := run.obj
	if obj.Status.Engine != "" {
		if _, ok := r.Engines[obj.Status.Engine]; !ok {
			return fail(workflowv1alpha1.EngineSelectedCondition, workflowv1alpha1.EngineTektonUnavailableReason,
				"The workflow runs on the %s engine, which this controller cannot run", obj.Status.Engine)
		}
		return nil
	}
	d := route(obj, run.settings, func(e workflowv1alpha1.Engine) bool { _, ok := r.Engines[e]; return ok })
	if d.refused {
		return fail(workflowv1alpha1.EngineSelectedCondition, d.reason, "%s", d.message)
	}
	if _, ok := r.Engines[d.engine]; !ok {
		return fail(workflowv1alpha1.EngineSelectedCondition, workflowv1alpha1.EngineTektonUnavailableReason,
			"The %s engine is not available in this controller", d.engine)
	}
	obj.Status.Engine = d.engine
	setCondition(obj, workflowv1alpha1.EngineSelectedCondition, metav1.ConditionTrue, d.reason, d.message)
	return nil
}
