package workflowexecution

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
// kubernaut.ai/engine overrides the settings; settings route to Tekton only when it is enabled;
// an engine that is not available demanded by the annotation fails the workflow, and chosen by
// the settings falls back to jobs with reason TektonUnavailable. Issue 6 adds the workflowType,
// minSteps and percent rules here.
func route(obj *workflowv1alpha1.WorkflowExecution, s settings.Settings, available func(workflowv1alpha1.Engine) bool) routing {
	switch value, set := obj.Annotations[workflowv1alpha1.EngineAnnotation]; {
	case set && value == string(workflowv1alpha1.EngineJobs):
		return routing{engine: workflowv1alpha1.EngineJobs, reason: workflowv1alpha1.EngineAnnotationReason,
			message: "The kubernaut.ai/engine annotation selects the jobs engine"}
	case set && value == string(workflowv1alpha1.EngineTekton):
		if available(workflowv1alpha1.EngineTekton) {
			return routing{engine: workflowv1alpha1.EngineTekton, reason: workflowv1alpha1.EngineAnnotationReason,
				message: "The kubernaut.ai/engine annotation selects the tekton engine"}
		}
		return routing{refused: true, reason: workflowv1alpha1.EngineTektonUnavailableReason,
			message: "The kubernaut.ai/engine annotation demands the tekton engine, which this controller cannot run (Tekton support is not available); remove the annotation or set it to jobs"}
	case set:
		return routing{engine: workflowv1alpha1.EngineJobs, reason: workflowv1alpha1.EngineDefaultReason,
			message: fmt.Sprintf("The kubernaut.ai/engine annotation value %q is neither jobs nor tekton and was ignored; the default engine jobs runs the workflow", value)}
	}
	if s.Tekton.Enabled {
		if available(workflowv1alpha1.EngineTekton) {
			return routing{engine: workflowv1alpha1.EngineTekton, reason: workflowv1alpha1.EngineDefaultReason,
				message: "tekton.enabled routes workflows to the tekton engine"}
		}
		return routing{engine: workflowv1alpha1.EngineJobs, reason: workflowv1alpha1.EngineTektonUnavailableReason,
			message: "tekton.enabled routes workflows to tekton, which this controller cannot run (Tekton support is not available); the jobs engine runs the workflow"}
	}
	return routing{engine: workflowv1alpha1.EngineJobs, reason: workflowv1alpha1.EngineDefaultReason,
		message: "No routing rule matched; the default engine jobs runs the workflow"}
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
