package workflowexecution

import (
	"context"
	"errors"
	"fmt"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/workflow"
)

// reconcileValidation checks the workflow once, before anything is created: step names, the
// runAfter graph (the message names a cycle's path) and the output references. The spec's steps
// are immutable, so a workflow that passed stays valid. On success the workflow starts: its
// start time, from which the workflow timeout counts, is stamped, and every step is listed as
// Pending.
func (r *Reconciler) reconcileValidation(_ context.Context, run *run) error {
	obj := run.obj
	if apimeta.IsStatusConditionTrue(obj.Status.Conditions, workflowv1alpha1.ValidatedCondition) {
		return nil
	}
	if _, err := workflow.Validate(&obj.Spec); err != nil {
		var invalid *workflow.ValidationError
		if errors.As(err, &invalid) {
			return fail(workflowv1alpha1.ValidatedCondition, invalid.Reason, "%s", validationMessage(invalid))
		}
		return fail(workflowv1alpha1.ValidatedCondition, workflowv1alpha1.InvalidDependencyGraphReason, "%v", err)
	}
	setCondition(obj, workflowv1alpha1.ValidatedCondition, metav1.ConditionTrue, workflowv1alpha1.SucceededReason,
		fmt.Sprintf("The %d steps form a valid dependency graph and every output reference names an upstream step", len(obj.Spec.Steps)))
	if obj.Status.StartTime == nil {
		now := metav1.NewTime(r.Clock.Now())
		obj.Status.StartTime = &now
	}
	initSteps(obj)
	return nil
}

// validationMessage joins the field errors of a validation failure into one sentence list, the
// form kubectl shows for an invalid object.
func validationMessage(invalid *workflow.ValidationError) string {
	if len(invalid.Errors) == 0 {
		return invalid.Error()
	}
	return invalid.Errors.ToAggregate().Error()
}

// initSteps lists every spec step in status, in spec order, as Pending; entries that exist are
// kept. Status then always has one entry per step, which the scheduler and `kubectl get` rely on.
func initSteps(obj *workflowv1alpha1.WorkflowExecution) {
	if len(obj.Status.Steps) == len(obj.Spec.Steps) {
		return
	}
	steps := make([]workflowv1alpha1.StepStatus, 0, len(obj.Spec.Steps))
	for _, s := range obj.Spec.Steps {
		if st := obj.Status.StepStatus(s.Name); st != nil {
			steps = append(steps, *st)
			continue
		}
		steps = append(steps, workflowv1alpha1.StepStatus{
			Name: s.Name, Phase: workflowv1alpha1.StepPending,
			Reason: workflowv1alpha1.WaitingReason, Message: "Waiting to be scheduled",
		})
	}
	obj.Status.Steps = steps
}
