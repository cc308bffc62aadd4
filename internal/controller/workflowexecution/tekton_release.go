package workflowexecution

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// Release implements Engine: it deletes the workspace claim Tekton made from the PipelineRun's
// volumeClaimTemplate, and the finished step pods that mount it, as the Job engine does with its
// own claim. Tekton would keep the claim until the PipelineRun is deleted, which is when the
// workflow is deleted: the storage is freed when the workflow ends instead.
func (e *TektonEngine) Release(ctx context.Context, obj *workflowv1alpha1.WorkflowExecution) error {
	if err := e.releasePreparations(ctx, obj); err != nil {
		return err
	}
	if !obj.Spec.UsesWorkspace() || workspaceReleased(obj) || obj.Status.PipelineRunRef == nil {
		return nil
	}
	claims, err := e.claimsOf(ctx, obj)
	if err != nil {
		return err
	}
	for _, pvc := range claims {
		err := e.Client.Delete(ctx, &pvc, client.Preconditions{UID: &pvc.UID})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting the workspace PersistentVolumeClaim %s/%s: %w", pvc.Namespace, pvc.Name, err)
		}
		if err := e.deleteFinishedStepPods(ctx, obj.Status.PipelineRunRef.Name, client.ObjectKeyFromObject(&pvc)); err != nil {
			return err
		}
		obj.Status.WorkspacePVC = pvc.Name
	}
	if obj.Status.WorkspacePVC == "" {
		return nil // the PipelineRun never made one (refused before it ran): nothing to report
	}
	setCondition(obj, workflowv1alpha1.WorkspaceReadyCondition, metav1.ConditionFalse, workflowv1alpha1.WorkspaceReleasedReason,
		fmt.Sprintf("PersistentVolumeClaim %s was deleted because the workflow ended", obj.Status.WorkspacePVC))
	return nil
}

// releasePreparations deletes the steps' preparing ActionExecutions once nothing runs any more.
// Each holds the RBAC its TaskRun ran with (cluster-scoped grants through a finalizer, which the
// ActionExecution controller releases on deletion); a Job run releases its grants when it
// finishes, a prepared run cannot know when its TaskRun did. What they verified is in the steps'
// status. Listing from the cache makes this cheap on the later reconciles of a finished workflow.
func (e *TektonEngine) releasePreparations(ctx context.Context, obj *workflowv1alpha1.WorkflowExecution) error {
	kids, err := e.preparations(ctx, obj)
	if err != nil {
		return err
	}
	for _, ae := range kids {
		if ae.DeletionTimestamp != nil {
			continue
		}
		if err := e.Client.Delete(ctx, ae, client.Preconditions{UID: &ae.UID},
			client.PropagationPolicy(metav1.DeletePropagationBackground)); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting ActionExecution %s/%s, which prepared step %s: %w", ae.Namespace, ae.Name, ae.Labels[LabelStep], err)
		}
	}
	return nil
}

// claimsOf lists, past the cache (which holds only claims Kubernaut labels), the claims the
// workflow's PipelineRun controls. Tekton names them pvc-<hash> and labels them with nothing.
func (e *TektonEngine) claimsOf(ctx context.Context, obj *workflowv1alpha1.WorkflowExecution) ([]corev1.PersistentVolumeClaim, error) {
	pr := &metav1.PartialObjectMetadata{}
	pr.SetGroupVersionKind(pipelineRunGVK)
	key := client.ObjectKey{Namespace: obj.Namespace, Name: obj.Status.PipelineRunRef.Name}
	if err := e.APIReader.Get(ctx, key, pr); apierrors.IsNotFound(err) {
		return nil, nil // gone: the garbage collector deletes what it owned
	} else if err != nil {
		return nil, fmt.Errorf("reading PipelineRun %s: %w", key, err)
	}
	var list corev1.PersistentVolumeClaimList
	if err := e.APIReader.List(ctx, &list, client.InNamespace(obj.Namespace)); err != nil {
		return nil, fmt.Errorf("listing the workspace claims of PipelineRun %s: %w", key, err)
	}
	var out []corev1.PersistentVolumeClaim
	for _, pvc := range list.Items {
		if controlledBy(&pvc, pr.UID) && pvc.DeletionTimestamp == nil {
			out = append(out, pvc)
		}
	}
	return out, nil
}

// controlledBy reports whether obj's controller reference names the object with uid.
func controlledBy(obj metav1.Object, uid types.UID) bool {
	ref := metav1.GetControllerOf(obj)
	return ref != nil && ref.UID == uid
}

// deleteFinishedStepPods deletes the PipelineRun's finished step pods that mount the claim, so
// that the pvc-protection finalizer lets the claim go. Tekton replaces the managed-by label it
// copies from the PipelineRun with its own (app.kubernetes.io/managed-by: tekton-pipelines), so
// its pods are found by the PipelineRun label it sets on them instead, past the cache.
func (e *TektonEngine) deleteFinishedStepPods(ctx context.Context, pipelineRun string, claim client.ObjectKey) error {
	var pods corev1.PodList
	if err := e.APIReader.List(ctx, &pods, client.InNamespace(claim.Namespace),
		client.MatchingLabels{labelTektonPipelineRun: pipelineRun}); err != nil {
		return fmt.Errorf("listing the step pods of PipelineRun %s that mount %s: %w", pipelineRun, claim, err)
	}
	for i := range pods.Items {
		pod := &pods.Items[i]
		if !podFinished(pod) || !mountsClaim(pod, claim.Name) {
			continue
		}
		if err := e.Client.Delete(ctx, pod, client.Preconditions{UID: &pod.UID}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting step pod %s, which mounts the workspace %s: %w", pod.Name, claim, err)
		}
	}
	return nil
}
