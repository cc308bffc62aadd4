package workflowexecution

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/settings"
	"github.com/kubernaut/kubernaut/internal/workflow/schedule"
	"github.com/kubernaut/kubernaut/sdk/refs"
)

// errNotOurs reports that an object under one of the workflow's child names was not created for
// it: using it could report another run's outcome, so the step that needs it fails instead.
var errNotOurs = errors.New("already exists and was not created for this WorkflowExecution")

// act carries out a decision. Stopping comes first, so that a cancelled or timed-out workflow
// frees its slots before anything else; steps start last, in spec order. It reports whether a
// step failed to start, after which no other step starts (fail fast) and the caller decides again.
func (e *JobEngine) act(ctx context.Context, obj *workflowv1alpha1.WorkflowExecution, d schedule.Decision, s settings.Settings, now time.Time) (bool, error) {
	stopReason := workflowv1alpha1.CancelledReason
	if d.Reason == workflowv1alpha1.DeadlineExceededReason {
		stopReason = d.Reason
	}
	for _, name := range d.Stop {
		if err := e.stop(ctx, obj, obj.Status.StepStatus(name)); err != nil {
			return false, err
		}
		finish(obj.Status.StepStatus(name), workflowv1alpha1.StepCancelled, stopReason, stopMessage(stopReason, true), now)
	}
	for _, name := range d.Cancel {
		finish(obj.Status.StepStatus(name), workflowv1alpha1.StepCancelled, stopReason, stopMessage(stopReason, false), now)
	}
	for _, skip := range d.Skip {
		finish(obj.Status.StepStatus(skip.Name), workflowv1alpha1.StepSkipped, skip.Reason, skipMessage(obj, skip), now)
	}
	for _, name := range d.Waiting {
		wait(obj, obj.Status.StepStatus(name), maxParallel(obj, s))
	}
	for _, name := range d.Start {
		started, err := e.start(ctx, obj, name, s, now)
		if err != nil || !started {
			return !started, err
		}
	}
	return false, nil
}

// finish puts a step in a terminal phase that no child reported (skipped, cancelled, or unable
// to start).
func finish(st *workflowv1alpha1.StepStatus, phase workflowv1alpha1.StepPhase, reason, message string, now time.Time) {
	st.Phase, st.Reason, st.Message, st.RetryTime = phase, reason, message, nil
	st.CompletionTime = &metav1.Time{Time: now}
}

// stopMessage explains a cancelled step.
func stopMessage(reason string, wasRunning bool) string {
	switch {
	case reason == workflowv1alpha1.DeadlineExceededReason && wasRunning:
		return "Stopped because the workflow ran out of time; its ActionExecution was deleted"
	case reason == workflowv1alpha1.DeadlineExceededReason:
		return "Never started because the workflow ran out of time"
	case wasRunning:
		return "Stopped because the workflow was cancelled; its ActionExecution was deleted"
	default:
		return "Never started because the workflow was cancelled"
	}
}

// skipMessage explains a skipped step, naming the steps that did not complete.
func skipMessage(obj *workflowv1alpha1.WorkflowExecution, skip schedule.Skip) string {
	if skip.Reason == workflowv1alpha1.StepFailedReason {
		return fmt.Sprintf("Never started: step %s failed, and after a failure no new step starts", firstFailed(obj))
	}
	var upstream []string
	for _, dep := range specStep(obj, skip.Name).RunAfter {
		if st := obj.Status.StepStatus(dep); st != nil && st.Phase != workflowv1alpha1.StepCompleted {
			upstream = append(upstream, dep)
		}
	}
	return fmt.Sprintf("Never started: %s did not complete", stepList(upstream))
}

// firstFailed names the first failed step in spec order.
func firstFailed(obj *workflowv1alpha1.WorkflowExecution) string {
	for _, st := range obj.Status.Steps {
		if st.Phase == workflowv1alpha1.StepFailed {
			return st.Name
		}
	}
	return ""
}

// wait explains why a Pending step does not start yet. A step waiting for its retry keeps the
// message observe wrote, which names the failed attempt and the retry time.
func wait(obj *workflowv1alpha1.WorkflowExecution, st *workflowv1alpha1.StepStatus, limit int) {
	if st.RetryTime != nil {
		return
	}
	var upstream []string
	for _, dep := range specStep(obj, st.Name).RunAfter {
		if s := obj.Status.StepStatus(dep); s != nil && s.Phase != workflowv1alpha1.StepCompleted {
			upstream = append(upstream, dep)
		}
	}
	st.Reason = workflowv1alpha1.WaitingReason
	if len(upstream) > 0 {
		st.Message = "Waiting for " + stepList(upstream) + " to complete"
		return
	}
	st.Message = fmt.Sprintf("Waiting for a free slot: %d steps run at most at once", limit)
}

// specStep returns the spec of the named step.
func specStep(obj *workflowv1alpha1.WorkflowExecution, name string) *workflowv1alpha1.WorkflowStep {
	for i := range obj.Spec.Steps {
		if obj.Spec.Steps[i].Name == name {
			return &obj.Spec.Steps[i]
		}
	}
	return &workflowv1alpha1.WorkflowStep{Name: name}
}

// stop deletes the child of a running step. Deleting the ActionExecution deletes its Job (owner
// references), which stops the pod.
func (e *JobEngine) stop(ctx context.Context, obj *workflowv1alpha1.WorkflowExecution, st *workflowv1alpha1.StepStatus) error {
	ae := &executionv1alpha1.ActionExecution{ObjectMeta: metav1.ObjectMeta{
		Namespace: obj.Namespace, Name: childName(obj, st.Name, st.Attempts),
	}}
	err := e.Client.Delete(ctx, ae, client.PropagationPolicy(metav1.DeletePropagationBackground))
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting ActionExecution %s of step %s: %w", client.ObjectKeyFromObject(ae), st.Name, err)
	}
	return nil
}

// start starts the next attempt of a step: the workspace first when the step uses it, then the
// inputs with the upstream outputs filled in, then the ActionExecution. It reports false, with
// the step Failed, when the step cannot start for a reason a retry cannot change.
func (e *JobEngine) start(ctx context.Context, obj *workflowv1alpha1.WorkflowExecution, name string, s settings.Settings, now time.Time) (bool, error) {
	spec, st := specStep(obj, name), obj.Status.StepStatus(name)
	if spec.UsesWorkspace {
		if err := e.ensureWorkspace(ctx, obj, s); errors.Is(err, errNotOurs) {
			finish(st, workflowv1alpha1.StepFailed, executionv1alpha1.JobFailedReason, err.Error(), now)
			return false, nil
		} else if err != nil {
			return false, err
		}
	}
	inputs, err := resolveInputs(obj, spec)
	if err != nil {
		finish(st, workflowv1alpha1.StepFailed, workflowv1alpha1.InvalidInputsReason, err.Error(), now)
		return false, nil
	}
	attempt := st.Attempts + 1
	ae := buildChild(obj, spec, attempt, inputs, s)
	created, err := e.createChild(ctx, obj, ae)
	if errors.Is(err, errNotOurs) {
		finish(st, workflowv1alpha1.StepFailed, executionv1alpha1.JobFailedReason, err.Error(), now)
		return false, nil
	} else if err != nil {
		return false, err
	}
	if created {
		observeStepTransition(obj, spec, now)
	}
	*st = workflowv1alpha1.StepStatus{
		Name: st.Name, Phase: workflowv1alpha1.StepRunning, Attempts: attempt, StartTime: st.StartTime,
		Reason:   workflowv1alpha1.RunningReason,
		Message:  fmt.Sprintf("Attempt %d runs as ActionExecution %s", attempt, ae.Name),
		ChildRef: &workflowv1alpha1.ObjectReference{Kind: executionv1alpha1.ActionExecutionKind, Name: ae.Name},
	}
	if st.StartTime == nil {
		st.StartTime = &metav1.Time{Time: now}
	}
	return true, nil
}

// resolveInputs fills the step's output references with the outputs of the Completed steps. A
// reference to an output the upstream step did not produce is an error: the step fails with
// InvalidInputs rather than running with a hole in its inputs.
func resolveInputs(obj *workflowv1alpha1.WorkflowExecution, spec *workflowv1alpha1.WorkflowStep) ([]byte, error) {
	if spec.Inputs == nil || len(spec.Inputs.Raw) == 0 {
		return nil, nil
	}
	resolved, err := refs.Resolve(spec.Inputs.Raw, func(step string) (map[string]json.RawMessage, bool) {
		st := obj.Status.StepStatus(step)
		if st == nil || st.Phase != workflowv1alpha1.StepCompleted {
			return nil, false
		}
		outputs := map[string]json.RawMessage{}
		if st.Outputs != nil && len(st.Outputs.Raw) > 0 {
			if err := json.Unmarshal(st.Outputs.Raw, &outputs); err != nil {
				return nil, false
			}
		}
		return outputs, true
	})
	if err != nil {
		return nil, fmt.Errorf("building the inputs of step %s: %w", spec.Name, err)
	}
	return resolved, nil
}

// buildChild builds the ActionExecution of one attempt of a step.
func buildChild(obj *workflowv1alpha1.WorkflowExecution, spec *workflowv1alpha1.WorkflowStep, attempt int32, inputs []byte, s settings.Settings) *executionv1alpha1.ActionExecution {
	ae := &executionv1alpha1.ActionExecution{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: obj.Namespace,
			Name:      childName(obj, spec.Name, attempt),
			Labels: map[string]string{
				labelManagedBy: managedBy,
				LabelWorkflow:  workflowLabel(obj),
				LabelStep:      spec.Name,
				LabelAttempt:   strconv.Itoa(int(attempt)),
			},
			OwnerReferences: []metav1.OwnerReference{ownerReference(obj)},
		},
		Spec: executionv1alpha1.ActionExecutionSpec{ActionType: spec.ActionType, Image: spec.Image},
	}
	if inputs != nil {
		ae.Spec.Inputs = &runtime.RawExtension{Raw: inputs}
	}
	if spec.UsesWorkspace {
		ae.Spec.Workspace = &executionv1alpha1.WorkspaceVolume{ClaimName: obj.Status.WorkspacePVC}
	}
	ae.Spec.Credentials = stepCredentials(spec)
	switch {
	case spec.Timeout != nil:
		ae.Spec.Timeout = spec.Timeout.DeepCopy()
	case s.StepTimeout > 0:
		ae.Spec.Timeout = &metav1.Duration{Duration: s.StepTimeout}
	}
	return ae
}

// createChild creates the ActionExecution of an attempt and reports whether it created it (see
// createOwnedChild).
func (e *JobEngine) createChild(ctx context.Context, obj *workflowv1alpha1.WorkflowExecution, ae *executionv1alpha1.ActionExecution) (bool, error) {
	_, created, err := createOwnedChild(ctx, e.Client, e.APIReader, obj, ae)
	return created, err
}

// createOwnedChild creates an ActionExecution the workflow controls and returns the one that
// exists. AlreadyExists means an earlier reconcile (perhaps of a controller that has since
// restarted) created it: the one the workflow controls is adopted, any other is errNotOurs.
func createOwnedChild(ctx context.Context, c client.Client, r client.Reader, obj *workflowv1alpha1.WorkflowExecution, ae *executionv1alpha1.ActionExecution) (*executionv1alpha1.ActionExecution, bool, error) {
	err := c.Create(ctx, ae, client.FieldOwner(ControllerName))
	if err == nil {
		return ae, true, nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return nil, false, fmt.Errorf("creating ActionExecution %s: %w", client.ObjectKeyFromObject(ae), err)
	}
	existing := &executionv1alpha1.ActionExecution{}
	if err := r.Get(ctx, client.ObjectKeyFromObject(ae), existing); err != nil {
		return nil, false, fmt.Errorf("reading the existing ActionExecution %s: %w", client.ObjectKeyFromObject(ae), err)
	}
	if !metav1.IsControlledBy(existing, obj) {
		return nil, false, fmt.Errorf("ActionExecution %s %w", client.ObjectKeyFromObject(ae), errNotOurs)
	}
	return existing, false, nil
}

// observeStepTransition records the time from the completion of the step's last runAfter step
// to now, when its child was created. Steps without runAfter start with the workflow.
func observeStepTransition(obj *workflowv1alpha1.WorkflowExecution, spec *workflowv1alpha1.WorkflowStep, now time.Time) {
	var last time.Time
	for _, dep := range spec.RunAfter {
		if st := obj.Status.StepStatus(dep); st != nil && st.CompletionTime != nil && st.CompletionTime.After(last) {
			last = st.CompletionTime.Time
		}
	}
	if !last.IsZero() {
		stepTransition.Observe(max(now.Sub(last), 0).Seconds())
	}
}

// stepCredentials is the step's credential bindings as the ActionExecution takes them; the
// ActionExecution controller checks them against the contract and mounts the Secrets.
func stepCredentials(spec *workflowv1alpha1.WorkflowStep) map[string]executionv1alpha1.SecretName {
	if len(spec.Credentials) == 0 {
		return nil
	}
	out := make(map[string]executionv1alpha1.SecretName, len(spec.Credentials))
	for name, secret := range spec.Credentials {
		out[name] = executionv1alpha1.SecretName(secret)
	}
	return out
}
