package workflowexecution

import (
	"context"
	"errors"
	"fmt"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionjob"
	"github.com/kubernaut/kubernaut/internal/settings"
	"github.com/kubernaut/kubernaut/internal/tekton"
	"github.com/kubernaut/kubernaut/internal/workflow/schedule"
)

// prepare runs until the PipelineRun exists: it makes sure every step has its preparing
// ActionExecution, records what each one verified, fails the workflow when one was refused, and
// creates the PipelineRun once all are Prepared. Cancellation and the workflow's deadline apply
// here too, before anything runs.
func (e *TektonEngine) prepare(ctx context.Context, obj *workflowv1alpha1.WorkflowExecution, s settings.Settings, now time.Time) (Progress, error) {
	// Cancelled or out of time before anything runs: the scheduler cancels every step, as on Jobs.
	if d := schedule.Decide(facts(obj, s, now)); d.Reason == workflowv1alpha1.CancelledReason || d.Reason == workflowv1alpha1.DeadlineExceededReason {
		for _, name := range d.Cancel {
			finish(obj.Status.StepStatus(name), workflowv1alpha1.StepCancelled, d.Reason, stopMessage(d.Reason, false), now)
		}
		return progressFrom(obj, schedule.Decide(facts(obj, s, now)), s), nil
	}
	kids, err := e.preparations(ctx, obj)
	if err != nil {
		return Progress{}, err
	}
	steps, refused := make([]tekton.Step, 0, len(obj.Spec.Steps)), false
	for i := range obj.Spec.Steps {
		spec, st := &obj.Spec.Steps[i], &obj.Status.Steps[i]
		ae, err := e.ensurePreparation(ctx, obj, spec, kids[spec.Name])
		switch {
		case errors.Is(err, errNotOurs):
			finish(st, workflowv1alpha1.StepFailed, executionv1alpha1.JobFailedReason, err.Error(), now)
			refused = true
		case err != nil:
			return Progress{}, err
		case ae.Status.Phase == executionv1alpha1.PhaseFailed:
			reason, message, _ := readyOf(ae)
			// The refusal was the step's one attempt, as the refused ActionExecution is on the
			// Job engine: both engines report attempts 1.
			st.Attempts = max(st.Attempts, 1)
			finish(st, workflowv1alpha1.StepFailed, reason, message, now)
			refused = true
		case ae.Status.Phase == executionv1alpha1.PhasePrepared && ae.Status.Prepared != nil:
			recordPrepared(st, ae)
			steps = append(steps, tektonStep(spec, ae.Status.Prepared, s))
		default:
			st.Reason, st.Message = workflowv1alpha1.WaitingReason,
				fmt.Sprintf("Waiting for ActionExecution %s to verify the image and prepare the step", ae.Name)
		}
	}
	if refused {
		return failFast(obj, s, now), nil
	}
	if len(steps) < len(obj.Spec.Steps) {
		return Progress{Phase: workflowv1alpha1.WorkflowRunning, Reason: workflowv1alpha1.RunningReason,
			Message: fmt.Sprintf("%d/%d steps verified and prepared; the PipelineRun starts when all are", len(steps), len(obj.Spec.Steps))}, nil
	}
	return e.startPipelineRun(ctx, obj, steps, s, now)
}

// failFast finishes a workflow one of whose steps was refused before anything ran: the
// scheduler skips every other step exactly as the Job engine does after a failure.
func failFast(obj *workflowv1alpha1.WorkflowExecution, s settings.Settings, now time.Time) Progress {
	d := schedule.Decide(facts(obj, s, now))
	for _, skip := range d.Skip {
		finish(obj.Status.StepStatus(skip.Name), workflowv1alpha1.StepSkipped, skip.Reason, skipMessage(obj, skip), now)
	}
	return progressFrom(obj, schedule.Decide(facts(obj, s, now)), s)
}

// preparationName is the deterministic name of a step's preparing ActionExecution.
func preparationName(obj *workflowv1alpha1.WorkflowExecution, step string) string {
	return actionjob.ChildName(obj.Name, step)
}

// preparations lists the workflow's preparing ActionExecutions from the cache, by step, keeping
// only those it controls.
func (e *TektonEngine) preparations(ctx context.Context, obj *workflowv1alpha1.WorkflowExecution) (map[string]*executionv1alpha1.ActionExecution, error) {
	var list executionv1alpha1.ActionExecutionList
	if err := e.Client.List(ctx, &list, client.InNamespace(obj.Namespace),
		client.MatchingLabels{LabelWorkflow: workflowLabel(obj)}); err != nil {
		return nil, fmt.Errorf("listing the ActionExecutions of WorkflowExecution %s/%s: %w", obj.Namespace, obj.Name, err)
	}
	kids := map[string]*executionv1alpha1.ActionExecution{}
	for i := range list.Items {
		if ae := &list.Items[i]; metav1.IsControlledBy(ae, obj) {
			kids[ae.Labels[LabelStep]] = ae
		}
	}
	return kids, nil
}

// ensurePreparation returns the step's preparing ActionExecution, creating it when the cache
// has none. A created one is returned as created (no status yet): the watch brings its result.
func (e *TektonEngine) ensurePreparation(ctx context.Context, obj *workflowv1alpha1.WorkflowExecution, spec *workflowv1alpha1.WorkflowStep, have *executionv1alpha1.ActionExecution) (*executionv1alpha1.ActionExecution, error) {
	if have != nil {
		return have, nil
	}
	ae, _, err := createOwnedChild(ctx, e.Client, e.APIReader, obj, buildPreparation(obj, spec))
	return ae, err
}

// buildPreparation builds the ActionExecution that verifies and prepares one step for Tekton.
// Its inputs are the step's own, references included: Tekton resolves them at run time.
func buildPreparation(obj *workflowv1alpha1.WorkflowExecution, spec *workflowv1alpha1.WorkflowStep) *executionv1alpha1.ActionExecution {
	ae := &executionv1alpha1.ActionExecution{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: obj.Namespace,
			Name:      preparationName(obj, spec.Name),
			Labels: map[string]string{
				labelManagedBy: managedBy,
				LabelWorkflow:  workflowLabel(obj),
				LabelStep:      spec.Name,
			},
			OwnerReferences: []metav1.OwnerReference{ownerReference(obj)},
		},
		Spec: executionv1alpha1.ActionExecutionSpec{
			ActionType: spec.ActionType, Image: spec.Image, Engine: executionv1alpha1.EngineTekton,
			Credentials: stepCredentials(spec),
		},
	}
	if spec.Inputs != nil && len(spec.Inputs.Raw) > 0 {
		ae.Spec.Inputs = &runtime.RawExtension{Raw: spec.Inputs.Raw}
	}
	return ae
}

// recordPrepared copies what the preparation verified into the step's status, as the Job
// engine copies it from a step's ActionExecution.
func recordPrepared(st *workflowv1alpha1.StepStatus, ae *executionv1alpha1.ActionExecution) {
	st.VerifiedDigest = ae.Status.VerifiedDigest
	st.Signer = ae.Status.Signer.DeepCopy()
	st.Contract = ae.Status.Contract.DeepCopy()
	st.Reason, st.Message = workflowv1alpha1.WaitingReason, fmt.Sprintf("Verified and prepared by ActionExecution %s", ae.Name)
}

// tektonStep is what the PipelineRun needs of one step: the spec's shape and the preparation's
// verified image, identity, defaulted inputs and checked credentials.
func tektonStep(spec *workflowv1alpha1.WorkflowStep, p *executionv1alpha1.PreparedLaunch, s settings.Settings) tekton.Step {
	step := tekton.Step{
		Name:               spec.Name,
		RunAfter:           spec.RunAfter,
		Image:              p.Image,
		ServiceAccountName: p.ServiceAccountName,
		ImagePullSecrets:   p.ImagePullSecrets,
		Tolerations:        p.Tolerations,
		Resources:          p.Resources,
		UsesWorkspace:      spec.UsesWorkspace,
		Credentials:        actionjob.Credentials(p.Credentials),
		Retries:            spec.Retries,
		Timeout:            stepTimeout(spec, s),
	}
	if p.Inputs != nil {
		step.Inputs = p.Inputs.Raw
	}
	if sc := p.SecurityContext; sc != nil {
		step.RunAsUser, step.RunAsGroup = sc.RunAsUser, sc.RunAsGroup
	}
	return step
}

// startPipelineRun creates the workflow's PipelineRun. AlreadyExists means an earlier reconcile
// created it and its status write was lost: the one the workflow controls is adopted.
func (e *TektonEngine) startPipelineRun(ctx context.Context, obj *workflowv1alpha1.WorkflowExecution, steps []tekton.Step, s settings.Settings, now time.Time) (Progress, error) {
	pr, err := tekton.PipelineRun(tektonWorkflow(obj, steps, s, now))
	if err != nil {
		return Progress{}, fail(workflowv1alpha1.ReadyCondition, workflowv1alpha1.InvalidSpecReason,
			"The workflow cannot be expressed as a Tekton PipelineRun: %v", err)
	}
	if err := e.Client.Create(ctx, pr, client.FieldOwner(ControllerName)); apierrors.IsAlreadyExists(err) {
		existing := &pipelinev1.PipelineRun{}
		if err := e.APIReader.Get(ctx, client.ObjectKeyFromObject(pr), existing); err != nil {
			return Progress{}, fmt.Errorf("reading the existing PipelineRun %s: %w", client.ObjectKeyFromObject(pr), err)
		}
		if !metav1.IsControlledBy(existing, obj) {
			return Progress{}, fail(workflowv1alpha1.ReadyCondition, workflowv1alpha1.StepFailedReason,
				"PipelineRun %s %v", client.ObjectKeyFromObject(pr), errNotOurs)
		}
	} else if err != nil {
		// The webhook's refusal is as final as a validation error; anything else is transient.
		if apierrors.IsBadRequest(err) || apierrors.IsInvalid(err) || apierrors.IsForbidden(err) {
			return Progress{}, fail(workflowv1alpha1.ReadyCondition, workflowv1alpha1.InvalidSpecReason,
				"Tekton refused the PipelineRun: %v", err)
		}
		return Progress{}, fmt.Errorf("creating PipelineRun %s: %w", client.ObjectKeyFromObject(pr), err)
	}
	obj.Status.PipelineRunRef = &workflowv1alpha1.ObjectReference{Kind: "PipelineRun", Name: pr.Name}
	for i := range obj.Status.Steps {
		obj.Status.Steps[i].Message = "Scheduled in PipelineRun " + pr.Name
	}
	return Progress{Phase: workflowv1alpha1.WorkflowRunning, Reason: workflowv1alpha1.RunningReason,
		Message: fmt.Sprintf("All %d steps verified; PipelineRun %s runs them", len(steps), pr.Name)}, nil
}

// tektonWorkflow gathers what the translation needs from the workflow and the settings. The
// PipelineRun's timeout is what is left of the workflow's: Tekton counts from the PipelineRun's
// start, the workflow from its own, before the images were verified.
func tektonWorkflow(obj *workflowv1alpha1.WorkflowExecution, steps []tekton.Step, s settings.Settings, now time.Time) tekton.Workflow {
	timeout := workflowTimeout(obj, s)
	if obj.Status.StartTime != nil {
		timeout = max(obj.Status.StartTime.Add(timeout).Sub(now), time.Second)
	}
	w := tekton.Workflow{
		Name:      pipelineRunName(obj),
		Namespace: obj.Namespace,
		UID:       obj.UID,
		Owner:     ownerReference(obj),
		Labels:    map[string]string{labelManagedBy: managedBy, LabelWorkflow: workflowLabel(obj)},
		Steps:     steps,
		Timeout:   timeout,
	}
	if obj.Spec.UsesWorkspace() {
		claim := buildWorkspace(obj, s)
		w.Workspace = &tekton.Workspace{
			Size:             claim.Spec.Resources.Requests["storage"],
			StorageClassName: claim.Spec.StorageClassName,
			AccessModes:      claim.Spec.AccessModes,
		}
	}
	return w
}
