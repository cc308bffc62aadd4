package workflowexecution

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionjob"
	"github.com/kubernaut/kubernaut/internal/settings"
)

// labelManagedBy and managedBy mark every object Kubernaut creates; the manager caches only
// PersistentVolumeClaims that carry them.
const (
	labelManagedBy = actionjob.LabelManagedBy
	managedBy      = actionjob.ManagedBy
)

// workspaceName is the deterministic name of the workflow's workspace claim.
func workspaceName(obj *workflowv1alpha1.WorkflowExecution) string {
	return actionjob.ChildName(obj.Name, "workspace")
}

// ensureWorkspace creates the workflow's PersistentVolumeClaim before the first step that uses
// it starts. A claim under that name that the workflow controls was created by an earlier
// reconcile whose status write was lost; one it does not control is never used (errNotOurs).
func (e *JobEngine) ensureWorkspace(ctx context.Context, obj *workflowv1alpha1.WorkflowExecution, s settings.Settings) error {
	if obj.Status.WorkspacePVC != "" {
		return nil
	}
	pvc := buildWorkspace(obj, s)
	if err := e.Client.Create(ctx, pvc, client.FieldOwner(ControllerName)); apierrors.IsAlreadyExists(err) {
		existing := &corev1.PersistentVolumeClaim{}
		if err := e.APIReader.Get(ctx, client.ObjectKeyFromObject(pvc), existing); err != nil {
			return fmt.Errorf("reading the existing PersistentVolumeClaim %s: %w", client.ObjectKeyFromObject(pvc), err)
		}
		if !metav1.IsControlledBy(existing, obj) {
			return fmt.Errorf("the workspace PersistentVolumeClaim %s %w", client.ObjectKeyFromObject(pvc), errNotOurs)
		}
		pvc = existing
	} else if err != nil {
		return fmt.Errorf("creating the workspace PersistentVolumeClaim %s: %w", client.ObjectKeyFromObject(pvc), err)
	}
	obj.Status.WorkspacePVC = pvc.Name
	class := "the default storage class"
	if pvc.Spec.StorageClassName != nil {
		class = "storage class " + *pvc.Spec.StorageClassName
	}
	size := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	setCondition(obj, workflowv1alpha1.WorkspaceReadyCondition, metav1.ConditionTrue, workflowv1alpha1.WorkspaceCreatedReason,
		fmt.Sprintf("PersistentVolumeClaim %s (%s, %s, %s) holds the shared workspace", pvc.Name, size.String(), accessModes(pvc), class))
	return nil
}

// buildWorkspace builds the claim: size and class from the spec, else from the settings; the
// access mode from the settings (ReadWriteOnce by default: steps that run at once on different
// nodes need a ReadWriteMany class).
func buildWorkspace(obj *workflowv1alpha1.WorkflowExecution, s settings.Settings) *corev1.PersistentVolumeClaim {
	size, class := s.Workspace.Size.DeepCopy(), s.Workspace.StorageClassName
	if ws := obj.Spec.Workspace; ws != nil {
		if ws.Size != nil {
			size = ws.Size.DeepCopy()
		}
		if ws.StorageClassName != nil {
			class = *ws.StorageClassName
		}
	}
	if size.IsZero() {
		size = resource.MustParse("1Gi")
	}
	mode := s.Workspace.AccessMode
	if mode == "" {
		mode = corev1.ReadWriteOnce
	}
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:       obj.Namespace,
			Name:            workspaceName(obj),
			Labels:          map[string]string{labelManagedBy: managedBy, LabelWorkflow: workflowLabel(obj)},
			OwnerReferences: []metav1.OwnerReference{ownerReference(obj)},
		},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{mode},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: size}},
		},
	}
	if class != "" {
		pvc.Spec.StorageClassName = &class
	}
	return pvc
}

// accessModes names the claim's access modes for a message.
func accessModes(pvc *corev1.PersistentVolumeClaim) string {
	if len(pvc.Spec.AccessModes) == 0 {
		return "no access mode"
	}
	return string(pvc.Spec.AccessModes[0])
}

// Release implements Engine: it deletes the workspace claim of a finished workflow. The claim is
// looked up by its deterministic name, not only by status.workspacePVC, so a claim whose creation
// was never recorded (a lost status write) is released too. Kubernetes keeps a claim until every
// pod that mounted it is deleted, finished ones included (the pvc-protection finalizer), so the
// finished step pods that mounted it are deleted too: their outputs, phases and reasons are in
// status already, and the storage is freed when the workflow ends rather than when it is deleted.
func (e *JobEngine) Release(ctx context.Context, obj *workflowv1alpha1.WorkflowExecution) error {
	if !obj.Spec.UsesWorkspace() || workspaceReleased(obj) {
		return nil
	}
	pvc := &corev1.PersistentVolumeClaim{}
	key := client.ObjectKey{Namespace: obj.Namespace, Name: workspaceName(obj)}
	// Read past the cache: the claim may have been created in this very reconcile (a workflow
	// that failed right after its first workspace step started), and this runs once per workflow.
	switch err := e.APIReader.Get(ctx, key, pvc); {
	case apierrors.IsNotFound(err):
		if obj.Status.WorkspacePVC == "" {
			return nil // never created: nothing to release or report
		}
	case err != nil:
		return fmt.Errorf("reading the workspace PersistentVolumeClaim %s: %w", key, err)
	case !metav1.IsControlledBy(pvc, obj):
		return nil // someone else's claim under our name: never ours to delete
	default:
		err := e.Client.Delete(ctx, pvc, client.Preconditions{UID: &pvc.UID})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting the workspace PersistentVolumeClaim %s: %w", key, err)
		}
		if err := deleteFinishedPodsMounting(ctx, e.Client, e.APIReader, key); err != nil {
			return err
		}
	}
	obj.Status.WorkspacePVC = key.Name
	setCondition(obj, workflowv1alpha1.WorkspaceReadyCondition, metav1.ConditionFalse, workflowv1alpha1.WorkspaceReleasedReason,
		fmt.Sprintf("PersistentVolumeClaim %s was deleted because the workflow ended", key.Name))
	return nil
}

// workspaceReleased reports whether the release was already recorded.
func workspaceReleased(obj *workflowv1alpha1.WorkflowExecution) bool {
	c := apimeta.FindStatusCondition(obj.Status.Conditions, workflowv1alpha1.WorkspaceReadyCondition)
	return c != nil && c.Reason == workflowv1alpha1.WorkspaceReleasedReason
}

// deleteFinishedPodsMounting deletes the finished pods Kubernaut created that mount the claim, so
// the pvc-protection finalizer lets the claim go. Pods are listed past the cache, once per
// workflow: the cache may not have the last step's pod's end yet.
func deleteFinishedPodsMounting(ctx context.Context, c client.Client, r client.Reader, claim client.ObjectKey) error {
	var pods corev1.PodList
	if err := r.List(ctx, &pods, client.InNamespace(claim.Namespace), client.MatchingLabels{labelManagedBy: managedBy}); err != nil {
		return fmt.Errorf("listing the step pods that mount %s: %w", claim, err)
	}
	for i := range pods.Items {
		pod := &pods.Items[i]
		if !podFinished(pod) || !mountsClaim(pod, claim.Name) {
			continue
		}
		if err := c.Delete(ctx, pod, client.Preconditions{UID: &pod.UID}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting step pod %s, which mounts the workspace %s: %w", pod.Name, claim, err)
		}
	}
	return nil
}

// podFinished reports whether the pod ran to its end: its phase says so, or every container has
// terminated. A step can end on the container's end alone (the ActionExecution controller ends a
// run when its action container exits 0, and Tekton completes a TaskRun from the container
// states), so the workflow can end before the kubelet reports the pod's phase.
func podFinished(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed || containersTerminated(pod)
}

// containersTerminated reports whether every container of the pod has terminated.
func containersTerminated(pod *corev1.Pod) bool {
	if len(pod.Status.ContainerStatuses) == 0 {
		return false
	}
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.State.Terminated == nil {
			return false
		}
	}
	return true
}

func mountsClaim(pod *corev1.Pod, claim string) bool {
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == claim {
			return true
		}
	}
	return false
}
