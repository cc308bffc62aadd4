package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
)

// pageSize bounds each list of pods, so that a large Deployment is read in pages.
const pageSize = 500

// placement maps a node's name to the number of ready pods of the Deployment on it.
type placement map[string]int

// readyPods lists the pods of d that are ready and not terminating: those the Deployment's
// selector matches and whose controller is one of d's ReplicaSets. A ReplicaSet of d is named
// <deployment>-<pod-template-hash>, and its pods carry that hash as a label, so ownership is
// checked without reading ReplicaSets (and without the permission to).
func readyPods(ctx context.Context, c kubernetes.Interface, d *appsv1.Deployment, ref kube.Ref) ([]corev1.Pod, error) {
	selector, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("%s has an invalid selector: %w", ref, err)
	}
	var pods []corev1.Pod
	opts := metav1.ListOptions{LabelSelector: selector.String(), Limit: pageSize}
	for {
		list, err := c.CoreV1().Pods(d.Namespace).List(ctx, opts)
		if err != nil {
			return nil, kube.APIError(err, "list the pods of", ref)
		}
		for _, pod := range list.Items {
			if ownedBy(&pod, d) && pod.DeletionTimestamp == nil && isReady(&pod) {
				pods = append(pods, pod)
			}
		}
		if opts.Continue = list.Continue; opts.Continue == "" {
			return pods, nil
		}
	}
}

func ownedBy(pod *corev1.Pod, d *appsv1.Deployment) bool {
	owner := metav1.GetControllerOf(pod)
	hash := pod.Labels[appsv1.DefaultDeploymentUniqueLabelKey]
	return owner != nil && owner.Kind == "ReplicaSet" && hash != "" && owner.Name == d.Name+"-"+hash
}

func isReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// placementOf counts pods per node.
func placementOf(pods []corev1.Pod) placement {
	p := placement{}
	for _, pod := range pods {
		p[pod.Spec.NodeName]++
	}
	return p
}

// misplaced lists, as "pod (node)", the pods that c does not allow where they run.
func misplaced(pods []corev1.Pod, c constraint) []string {
	var out []string
	for _, pod := range pods {
		onNode := pod.Spec.NodeName == c.Node
		if onNode == (c.Operator == corev1.NodeSelectorOpNotIn) {
			out = append(out, fmt.Sprintf("%s (%s)", pod.Name, pod.Spec.NodeName))
		}
	}
	slices.Sort(out)
	return out
}

// asOutput renders a placement for an output.
func (p placement) asOutput() map[string]any {
	out := make(map[string]any, len(p))
	for node, n := range p {
		out[node] = n
	}
	return out
}

// String renders a placement for the log: "node-a: 2, node-b: 1", or "no ready pods".
func (p placement) String() string {
	if len(p) == 0 {
		return "no ready pods"
	}
	parts := make([]string, 0, len(p))
	for _, node := range slices.Sorted(maps.Keys(p)) {
		parts = append(parts, fmt.Sprintf("%s: %d", node, p[node]))
	}
	return strings.Join(parts, ", ")
}
