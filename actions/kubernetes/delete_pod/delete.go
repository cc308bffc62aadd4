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

// deleteResult says what the action found and did.
type deleteResult struct {
	UID                string
	Controller         string // Kind/name, or ""
	Node               string
	GracePeriodSeconds int64
	Deleted            bool
}

// deletePod deletes the pod ref with grace seconds (nil: the pod's own
// terminationGracePeriodSeconds). The deletion carries the UID that was read as a
// precondition, so that a retried step never deletes a replacement with the same name (a
// StatefulSet's). The mirror of a static pod is refused: the kubelet would recreate it at once.
// A pod that is already terminating is deleted again only with a grace period, which the API
// server accepts only to shorten the one running.
func deletePod(ctx context.Context, c kubernetes.Interface, ref kube.Ref, grace *int64, dryRun bool) (deleteResult, error) {
	pods := c.CoreV1().Pods(ref.Namespace)
	pod, err := pods.Get(ctx, ref.Name, metav1.GetOptions{})
	if err != nil {
		return deleteResult{}, kube.APIError(err, "get", ref)
	}
	res := deleteResult{UID: string(pod.UID), Node: pod.Spec.NodeName, GracePeriodSeconds: corev1.DefaultTerminationGracePeriodSeconds}
	if owner := metav1.GetControllerOf(pod); owner != nil {
		res.Controller = owner.Kind + "/" + owner.Name
	}
	switch {
	case grace != nil:
		res.GracePeriodSeconds = *grace
	case pod.Spec.TerminationGracePeriodSeconds != nil:
		res.GracePeriodSeconds = *pod.Spec.TerminationGracePeriodSeconds
	}
	switch {
	case pod.Annotations[corev1.MirrorPodAnnotationKey] != "":
		return deleteResult{}, fmt.Errorf("%s is the mirror of a static pod on node %s: the kubelet runs it from a file "+
			"on the node and would recreate the mirror at once", ref, pod.Spec.NodeName)
	case pod.DeletionTimestamp != nil && grace == nil:
		action.Logf(ctx, "%s is already terminating (since %s); nothing to do", ref, pod.DeletionTimestamp.UTC().Format("15:04:05"))
		return res, nil
	}
	uid := pod.UID
	opts := metav1.DeleteOptions{GracePeriodSeconds: grace, Preconditions: &metav1.Preconditions{UID: &uid}}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	if err := pods.Delete(ctx, ref.Name, opts); err != nil {
		return deleteResult{}, kube.APIError(err, "delete", ref)
	}
	res.Deleted = true
	if dryRun {
		action.Logf(ctx, "dry run: %s (uid %s) would be deleted with a grace period of %ds; nothing was changed", ref, res.UID, res.GracePeriodSeconds)
	} else {
		action.Logf(ctx, "deleted %s (uid %s) with a grace period of %ds", ref, res.UID, res.GracePeriodSeconds)
	}
	return res, nil
}
