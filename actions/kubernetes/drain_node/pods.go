package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
)

// listPageSize bounds one list response; a node rarely runs more than 110 pods.
const listPageSize = 500

// plan is what the drain will do with the node's pods.
type plan struct {
	// Evict are the pods to evict, sorted by namespace and name.
	Evict []corev1.Pod
	// Skipped are the pods left on the node, as "namespace/name: reason".
	Skipped []string
	// Bare are the pods without a controller, which only force evicts.
	Bare []string
}

// podsOnNode lists the pods bound to node in every namespace, page by page.
func podsOnNode(ctx context.Context, c kubernetes.Interface, node string) ([]corev1.Pod, error) {
	opts := metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("spec.nodeName", node).String(),
		Limit:         listPageSize,
	}
	var pods []corev1.Pod
	for {
		page, err := c.CoreV1().Pods(metav1.NamespaceAll).List(ctx, opts)
		if err != nil {
			return nil, kube.APIError(err, "list the pods of", kube.Ref{Kind: "node", Name: node})
		}
		pods = append(pods, page.Items...)
		if opts.Continue = page.Continue; opts.Continue == "" {
			break
		}
	}
	slices.SortFunc(pods, func(a, b corev1.Pod) int { return strings.Compare(podName(&a), podName(&b)) })
	return pods, nil
}

// planDrain sorts the pods into those to evict and those to leave, as kubectl drain does:
// DaemonSet pods stay (the DaemonSet controller would put them back at once, and it ignores
// the cordon), mirror pods stay (the kubelet runs them from files on the node), pods in
// ignored namespaces stay, and pods already terminating are on their way out. Pods without a
// controller are evicted only with force, unless they have finished (Succeeded or Failed) and
// have nothing left to lose.
func planDrain(pods []corev1.Pod, ignore []string, force bool) plan {
	var p plan
	for _, pod := range pods {
		owner := metav1.GetControllerOf(&pod)
		reason := ""
		switch {
		case pod.Annotations[corev1.MirrorPodAnnotationKey] != "":
			reason = "mirror of a static pod, managed by the kubelet"
		case owner != nil && owner.Kind == "DaemonSet":
			reason = "managed by DaemonSet " + owner.Name
		case slices.Contains(ignore, pod.Namespace):
			reason = "namespace " + pod.Namespace + " is ignored"
		case pod.DeletionTimestamp != nil:
			reason = "already terminating"
		case owner == nil && !force && !finished(&pod):
			p.Bare = append(p.Bare, podName(&pod))
			continue
		default:
			p.Evict = append(p.Evict, pod)
			continue
		}
		p.Skipped = append(p.Skipped, podName(&pod)+": "+reason)
	}
	return p
}

// finished reports whether all the pod's containers have ended for good.
func finished(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}

// podName is "namespace/name".
func podName(pod *corev1.Pod) string { return pod.Namespace + "/" + pod.Name }

// errBarePods explains why the drain stopped before evicting anything.
func errBarePods(node string, bare []string, dryRun bool) error {
	return fmt.Errorf("%s, but no pod was evicted: %d pods have no controller, so nothing would "+
		"recreate them: %s; set the input \"force\" to true to evict them anyway", cordoned(node, dryRun), len(bare), strings.Join(bare, ", "))
}

// cordoned starts a failure message: the cordon has happened (or, in a dry run, would have).
func cordoned(node string, dryRun bool) string {
	if dryRun {
		return "dry run: node " + node + " would be cordoned"
	}
	return "node " + node + " is cordoned"
}
