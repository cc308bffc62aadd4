package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
)

// kindAliases maps what kubectl accepts to the kinds the action diagnoses.
var kindAliases = map[string]string{
	"deployment": "deployment", "deployments": "deployment", "deploy": "deployment",
	"pod": "pod", "pods": "pod", "po": "pod",
}

// parseResource splits "kind/name" and canonicalises the kind.
func parseResource(s string) (kind, name string, err error) {
	k, n, ok := strings.Cut(s, "/")
	kind = kindAliases[strings.ToLower(k)]
	switch {
	case !ok || n == "":
		return "", "", fmt.Errorf("input \"resource\" %q must be kind/name, such as deployment/payment-service or pod/web-0", s)
	case kind == "":
		return "", "", fmt.Errorf("input \"resource\" %q: kind %q is not supported; use deployment or pod", s, k)
	}
	if problems := validation.IsDNS1123Subdomain(n); len(problems) > 0 {
		return "", "", fmt.Errorf("input \"resource\" %q: %q is not an object name: %s", s, n, strings.Join(problems, "; "))
	}
	return kind, n, nil
}

// objectKey identifies an object that events may be about.
type objectKey struct{ Kind, Name string }

// target is what was found for the request.
type target struct {
	// Replicas is the Deployment's spec.replicas; nil for a pod.
	Replicas *int32
	// Pods are the pods of the resource, sorted by name.
	Pods []corev1.Pod
	// Involved are the objects whose events belong to the diagnosis.
	Involved map[objectKey]bool
	// PodPrefixes are name prefixes of pods whose events belong too, although the pods are gone:
	// a Deployment's pods are named after their ReplicaSet, and the events of a pod that crashed
	// and was replaced are often the interesting ones.
	PodPrefixes []string
}

// involves reports whether an event about (kind, name) belongs to the diagnosis.
func (t *target) involves(kind, name string) bool {
	if t.Involved[objectKey{kind, name}] {
		return true
	}
	return kind == "Pod" && slices.ContainsFunc(t.PodPrefixes, func(p string) bool { return strings.HasPrefix(name, p) })
}

// findTarget reads the resource and its pods.
func findTarget(ctx context.Context, c kubernetes.Interface, req collectRequest) (*target, error) {
	if req.Kind == "pod" {
		ref := kube.Ref{Kind: "pod", Namespace: req.Namespace, Name: req.Name}
		pod, err := c.CoreV1().Pods(req.Namespace).Get(ctx, req.Name, metav1.GetOptions{})
		if err != nil {
			return nil, kube.APIError(err, "get", ref)
		}
		return &target{Pods: []corev1.Pod{*pod}, Involved: map[objectKey]bool{{"Pod", pod.Name}: true}}, nil
	}
	return findDeployment(ctx, c, req)
}

// findDeployment reads the Deployment, the ReplicaSets it controls and their pods. Pods are
// matched by the Deployment's selector and then by owner, so that pods of another workload
// that happen to carry the same labels are left out.
func findDeployment(ctx context.Context, c kubernetes.Interface, req collectRequest) (*target, error) {
	ref := kube.Ref{Kind: "deployment", Namespace: req.Namespace, Name: req.Name}
	d, err := c.AppsV1().Deployments(req.Namespace).Get(ctx, req.Name, metav1.GetOptions{})
	if err != nil {
		return nil, kube.APIError(err, "get", ref)
	}
	selector, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("%s has an invalid selector: %w", ref, err)
	}
	list := metav1.ListOptions{LabelSelector: selector.String()}
	t := &target{Replicas: d.Spec.Replicas, Involved: map[objectKey]bool{{"Deployment", d.Name}: true}}
	replicaSets, err := c.AppsV1().ReplicaSets(req.Namespace).List(ctx, list)
	if err != nil {
		return nil, kube.APIError(err, "list the replicasets of", ref)
	}
	owners := map[types.UID]bool{}
	for _, rs := range replicaSets.Items {
		if owner := metav1.GetControllerOf(&rs); owner != nil && owner.UID == d.UID {
			owners[rs.UID] = true
			t.Involved[objectKey{"ReplicaSet", rs.Name}] = true
			t.PodPrefixes = append(t.PodPrefixes, rs.Name+"-")
		}
	}
	pods, err := c.CoreV1().Pods(req.Namespace).List(ctx, list)
	if err != nil {
		return nil, kube.APIError(err, "list the pods of", ref)
	}
	for _, pod := range pods.Items {
		if owner := metav1.GetControllerOf(&pod); owner != nil && owners[owner.UID] {
			t.Pods = append(t.Pods, pod)
			t.Involved[objectKey{"Pod", pod.Name}] = true
		}
	}
	slices.SortFunc(t.Pods, func(a, b corev1.Pod) int { return strings.Compare(a.Name, b.Name) })
	return t, nil
}
