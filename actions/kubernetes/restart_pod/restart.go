package main

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// mirrorAnnotation marks the API server's mirror of a static pod, which the kubelet runs from a
// file on the node. Deleting the mirror restarts nothing: the kubelet recreates the mirror.
const mirrorAnnotation = corev1.MirrorPodAnnotationKey

// restartResult says what the action found and did.
type restartResult struct {
	UID        string
	Controller string // Kind/name, or ""
	Node       string
	Deleted    bool
}

// restartPod deletes the pod ref so that its controller recreates it. The deletion carries the
// UID that was read as a precondition: a StatefulSet recreates its pods under the same name,
// and a retried step must not delete the fresh replacement. The pod's own grace period
// applies, so its containers get their SIGTERM and preStop hooks.
func restartPod(ctx context.Context, c kubernetes.Interface, ref kube.Ref, force, dryRun bool) (restartResult, error) {
	pods := c.CoreV1().Pods(ref.Namespace)
	pod, err := pods.Get(ctx, ref.Name, metav1.GetOptions{})
	if err != nil {
		return restartResult{}, kube.APIError(err, "get", ref)
	}
	res := restartResult{UID: string(pod.UID), Node: pod.Spec.NodeName}
	owner := metav1.GetControllerOf(pod)
	if owner != nil {
		res.Controller = owner.Kind + "/" + owner.Name
	}
	switch {
	case pod.Annotations[mirrorAnnotation] != "":
		return restartResult{}, fmt.Errorf("%s is the mirror of a static pod on node %s: deleting it restarts nothing, "+
			"because the kubelet runs it from a file on the node", ref, pod.Spec.NodeName)
	case owner == nil && !force:
		return restartResult{}, fmt.Errorf("%s has no controller, so nothing would recreate it after the deletion; "+
			"set the input \"force\" to true to delete it anyway, or use kubernetes/delete_pod", ref)
	case pod.DeletionTimestamp != nil:
		action.Logf(ctx, "%s is already terminating (since %s); nothing to do", ref, pod.DeletionTimestamp.UTC().Format("15:04:05"))
		return res, nil
	}
	uid := pod.UID
	opts := metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	if err := pods.Delete(ctx, ref.Name, opts); err != nil {
		return restartResult{}, kube.APIError(err, "delete", ref)
	}
	res.Deleted = true
	logRestart(ctx, ref, res, dryRun)
	return res, nil
}

func logRestart(ctx context.Context, ref kube.Ref, res restartResult, dryRun bool) {
	switch {
	case dryRun:
		action.Logf(ctx, "dry run: %s (uid %s) would be deleted; nothing was changed", ref, res.UID)
	case res.Controller == "":
		action.Logf(ctx, "deleted %s (uid %s), which has no controller: it will not come back (force)", ref, res.UID)
	default:
		action.Logf(ctx, "deleted %s (uid %s); %s creates its replacement", ref, res.UID, res.Controller)
	}
}
