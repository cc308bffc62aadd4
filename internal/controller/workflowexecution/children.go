package workflowexecution

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionjob"
	"github.com/kubernaut/kubernaut/internal/settings"
	"github.com/kubernaut/kubernaut/internal/workflow/schedule"
)

// children are a workflow's ActionExecutions by step and attempt.
type children map[string]map[int32]*executionv1alpha1.ActionExecution

// latest is the highest attempt of step that has a child, 0 when none has.
func (c children) latest(step string) int32 {
	var n int32
	for attempt := range c[step] {
		n = max(n, attempt)
	}
	return n
}

// listChildren lists the workflow's ActionExecutions from the cache, by label, keeping only
// those it controls: a label can be copied, an owner reference with the workflow's UID cannot
// (an earlier workflow of the same name left children the garbage collector has not removed).
func (e *JobEngine) listChildren(ctx context.Context, obj *workflowv1alpha1.WorkflowExecution) (children, error) {
	var list executionv1alpha1.ActionExecutionList
	if err := e.Client.List(ctx, &list, client.InNamespace(obj.Namespace),
		client.MatchingLabels{LabelWorkflow: workflowLabel(obj)}); err != nil {
		return nil, fmt.Errorf("listing the ActionExecutions of WorkflowExecution %s/%s: %w", obj.Namespace, obj.Name, err)
	}
	kids := children{}
	for i := range list.Items {
		ae := &list.Items[i]
		attempt, err := strconv.ParseInt(ae.Labels[LabelAttempt], 10, 32)
		if err != nil || attempt < 1 || !metav1.IsControlledBy(ae, obj) {
			continue
		}
		step := ae.Labels[LabelStep]
		if kids[step] == nil {
			kids[step] = map[int32]*executionv1alpha1.ActionExecution{}
		}
		kids[step][int32(attempt)] = ae
	}
	return kids, nil
}

// observe updates a step that is not finished from the child of its current attempt. Attempts
// are the larger of the status's count and the highest child's: after a lost status write the
// child that exists is found, never created again. A step whose child is not in the cache yet
// keeps its status until the watch delivers it.
func observe(st *workflowv1alpha1.StepStatus, spec *workflowv1alpha1.WorkflowStep, kids children, s settings.Settings, now time.Time) {
	if st.Phase.IsFinished() {
		return
	}
	st.Attempts = max(st.Attempts, kids.latest(spec.Name))
	child := kids[spec.Name][st.Attempts]
	if child == nil {
		return
	}
	recordChild(st, child)
	reason, message, reported := readyOf(child)
	if !child.Status.Phase.IsFinished() {
		if !reported { // not looked at yet: say what runs it, as start does
			reason, message = workflowv1alpha1.RunningReason, fmt.Sprintf("Attempt %d runs as ActionExecution %s", st.Attempts, child.Name)
		}
		st.Phase, st.Reason, st.Message, st.RetryTime = workflowv1alpha1.StepRunning, reason, message, nil
		return
	}
	finishedAt := now
	if child.Status.CompletionTime != nil {
		finishedAt = child.Status.CompletionTime.Time
	}
	phase, retryAt := schedule.AfterAttempt(schedule.Attempt{
		Succeeded:  child.Status.Phase == executionv1alpha1.PhaseSucceeded,
		Retryable:  retryable(reason),
		Attempts:   st.Attempts,
		Retries:    spec.Retries,
		FinishedAt: finishedAt,
	}, s.Retry.Backoff)
	st.Phase, st.Reason, st.Message, st.RetryTime = phase, reason, message, nil
	switch phase {
	case workflowv1alpha1.StepCompleted:
		st.Outputs = child.Status.Outputs.DeepCopy()
		st.CompletionTime = &metav1.Time{Time: finishedAt}
	case workflowv1alpha1.StepFailed:
		st.CompletionTime = &metav1.Time{Time: finishedAt}
	case workflowv1alpha1.StepPending:
		st.RetryTime = &metav1.Time{Time: *retryAt}
		st.Reason = workflowv1alpha1.RetryBackoffReason
		st.Message = fmt.Sprintf("Attempt %d failed (%s: %s); attempt %d of %d starts at %s",
			st.Attempts, reason, message, st.Attempts+1, spec.Retries+1, retryAt.UTC().Format(time.RFC3339))
	}
}

// failDeletedChildren fails each running step whose ActionExecution is gone: deleted by someone
// else, since the controller deletes a running child only when it stops the step (cancel or
// deadline). The steps in stopping are left alone: this reconcile stops them anyway, and their
// child may be gone because an earlier reconcile stopped them and lost its status write. The
// cache cannot tell a child that is gone from one just created whose watch event has not
// arrived, so a child missing from the cache is looked up on the API server before the step
// fails.
func (e *JobEngine) failDeletedChildren(ctx context.Context, obj *workflowv1alpha1.WorkflowExecution, kids children, stopping []string, now time.Time) error {
	for i := range obj.Status.Steps {
		st := &obj.Status.Steps[i]
		if st.Phase != workflowv1alpha1.StepRunning || st.Attempts == 0 || kids[st.Name][st.Attempts] != nil ||
			slices.Contains(stopping, st.Name) {
			continue
		}
		key := client.ObjectKey{Namespace: obj.Namespace, Name: childName(obj, st.Name, st.Attempts)}
		err := e.APIReader.Get(ctx, key, &executionv1alpha1.ActionExecution{})
		if !apierrors.IsNotFound(err) {
			if err != nil {
				return fmt.Errorf("looking up ActionExecution %s of step %s: %w", key, st.Name, err)
			}
			continue // in the API server, not yet in the cache: its watch event follows
		}
		finish(st, workflowv1alpha1.StepFailed, workflowv1alpha1.ChildDeletedReason, fmt.Sprintf(
			"ActionExecution %s of attempt %d was deleted while it ran; its outcome is unknown, so the step is not retried",
			key.Name, st.Attempts), now)
	}
	return nil
}

// recordChild copies what the child verified and ran into the step's status.
func recordChild(st *workflowv1alpha1.StepStatus, child *executionv1alpha1.ActionExecution) {
	st.ChildRef = &workflowv1alpha1.ObjectReference{Kind: executionv1alpha1.ActionExecutionKind, Name: child.Name}
	if st.StartTime == nil {
		st.StartTime = child.CreationTimestamp.DeepCopy()
	}
	st.VerifiedDigest = child.Status.VerifiedDigest
	st.Signer = child.Status.Signer.DeepCopy()
	st.Contract = child.Status.Contract.DeepCopy()
}

// readyOf returns the reason and message of the child's Ready condition, and whether it has one.
func readyOf(child *executionv1alpha1.ActionExecution) (reason, message string, ok bool) {
	ready := apimeta.FindStatusCondition(child.Status.Conditions, executionv1alpha1.ReadyCondition)
	if ready == nil {
		return string(child.Status.Phase), fmt.Sprintf("ActionExecution %s reported no Ready condition", child.Name), false
	}
	return ready.Reason, ready.Message, true
}

// retryable reports whether an attempt that failed with the child's Ready reason may succeed when
// run again: only a Job that failed or ran out of time. Refusals (unknown action type, image not
// allowed, verification, contract, inputs, security context, permissions) and invalid outputs
// fail the same way every time, so retrying them only delays the failure.
func retryable(reason string) bool {
	return reason == executionv1alpha1.JobFailedReason || reason == executionv1alpha1.DeadlineExceededReason
}

// childName is the deterministic name of the ActionExecution of one attempt of a step.
func childName(obj *workflowv1alpha1.WorkflowExecution, step string, attempt int32) string {
	return actionjob.ChildName(obj.Name, fmt.Sprintf("%s-%d", step, attempt))
}

// workflowLabel is the value of LabelWorkflow: the name, shortened when it is not a valid label
// value (longer than 63 characters).
func workflowLabel(obj *workflowv1alpha1.WorkflowExecution) string {
	return actionjob.ChildName(obj.Name, "")
}

// ownerReference makes obj the controller of a child; BlockOwnerDeletion keeps a foreground
// deletion of the workflow waiting for its children.
func ownerReference(obj *workflowv1alpha1.WorkflowExecution) metav1.OwnerReference {
	return *metav1.NewControllerRef(obj, workflowv1alpha1.GroupVersion.WithKind(workflowv1alpha1.WorkflowExecutionKind))
}
