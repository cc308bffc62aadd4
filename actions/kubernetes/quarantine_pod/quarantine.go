package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

const (
	// quarantinedLabel marks a quarantined pod for people and tools (kubectl get pods -l ...).
	quarantinedLabel = "kubernaut.ai/quarantined"
	// quarantineIDLabel carries the pod's UID. The NetworkPolicy selects on it, so it selects
	// exactly this pod: a name can be reused (a StatefulSet's), a UID cannot, and no other
	// pod carries the label unless someone copies it on purpose.
	quarantineIDLabel = "kubernaut.ai/quarantine-id"
	// policyPrefix starts the NetworkPolicy's name.
	policyPrefix = "kubernaut-quarantine-"
	// fieldManager names the action in managedFields.
	fieldManager = "kubernaut-quarantine-pod"
)

// quarantineResult says what the action found and did.
type quarantineResult struct {
	NetworkPolicy string
	Previous      map[string]string
	Labels        map[string]string
	Removed       []string
	Changed       bool
}

// quarantinePod isolates the pod ref. The policy is created first and selects on a label the
// pod does not carry yet; the label patch then isolates the pod and, in the same write,
// removes the labels asked for, so there is no moment at which the pod has left its Services
// but can still talk.
func quarantinePod(ctx context.Context, c kubernetes.Interface, ref kube.Ref, remove []string, dryRun bool) (quarantineResult, error) {
	pod, err := c.CoreV1().Pods(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	if err != nil {
		return quarantineResult{}, kube.APIError(err, "get", ref)
	}
	res := quarantineResult{Previous: labelsOf(pod), Labels: labelsOf(pod), Removed: []string{}}
	policy, created, err := ensurePolicy(ctx, c, pod, dryRun)
	if err != nil {
		return quarantineResult{}, err
	}
	res.NetworkPolicy, res.Changed = policy, created
	patch := map[string]any{quarantinedLabel: "true", quarantineIDLabel: string(pod.UID)}
	for _, key := range remove {
		if _, ok := pod.Labels[key]; ok {
			patch[key] = nil
			res.Removed = append(res.Removed, key)
		}
	}
	if len(res.Removed) == 0 && pod.Labels[quarantinedLabel] == "true" && pod.Labels[quarantineIDLabel] == string(pod.UID) {
		logResult(ctx, ref, res, dryRun)
		return res, nil
	}
	patched, err := patchLabels(ctx, c, pod, patch, dryRun)
	if err != nil {
		return quarantineResult{}, kube.APIError(err, "label", ref)
	}
	res.Labels, res.Changed = labelsOf(patched), true
	logResult(ctx, ref, res, dryRun)
	return res, nil
}

// ensurePolicy creates the deny-all policy for pod, or finds it from an earlier run, and
// returns its name and whether it was created. A policy of that name that selects something
// else is not ours, and the action fails rather than touch it.
func ensurePolicy(ctx context.Context, c kubernetes.Interface, pod *corev1.Pod, dryRun bool) (string, bool, error) {
	want := denyAll(pod)
	ref := kube.Ref{Kind: "networkpolicy", Namespace: pod.Namespace, Name: want.Name}
	policies := c.NetworkingV1().NetworkPolicies(pod.Namespace)
	opts := metav1.CreateOptions{FieldManager: fieldManager}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	_, err := policies.Create(ctx, want, opts)
	if err == nil {
		return want.Name, true, nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return "", false, kube.APIError(err, "create", ref)
	}
	existing, err := policies.Get(ctx, want.Name, metav1.GetOptions{})
	if err != nil {
		return "", false, kube.APIError(err, "get", ref)
	}
	if !maps.Equal(existing.Spec.PodSelector.MatchLabels, want.Spec.PodSelector.MatchLabels) || len(existing.Spec.Ingress)+len(existing.Spec.Egress) > 0 {
		return "", false, fmt.Errorf("%s exists but is not the deny-all policy for this pod (uid %s); remove or rename it", ref, pod.UID)
	}
	return want.Name, false, nil
}

// denyAll is the policy that isolates pod: it selects the pod by its UID label and lists both
// policy types without any rule, which denies all ingress and all egress (DNS included). The
// pod owns it, so the garbage collector removes it with the pod.
func denyAll(pod *corev1.Pod) *networkingv1.NetworkPolicy {
	name := policyPrefix + pod.Name
	if len(name) > 253 {
		name = policyPrefix + string(pod.UID)
	}
	return &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{
			Name:      name,
			Namespace: pod.Namespace,
			Labels:    map[string]string{"app.kubernetes.io/managed-by": "kubernaut", quarantineIDLabel: string(pod.UID)},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "v1", Kind: "Pod", Name: pod.Name, UID: pod.UID,
			}},
		},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{quarantineIDLabel: string(pod.UID)}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
		},
	}
}

// patchLabels applies labels (nil values remove a label) with a merge patch that names the
// pod's UID, so that a pod recreated under the same name meanwhile is not labelled instead.
func patchLabels(ctx context.Context, c kubernetes.Interface, pod *corev1.Pod, labels map[string]any, dryRun bool) (*corev1.Pod, error) {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"uid": pod.UID, "labels": labels}})
	if err != nil {
		return nil, fmt.Errorf("encoding the labels: %w", err)
	}
	opts := metav1.PatchOptions{FieldManager: fieldManager}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	return c.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.MergePatchType, patch, opts)
}

// labelsOf returns a copy of the pod's labels, never nil (an output is an object, not null).
func labelsOf(pod *corev1.Pod) map[string]string {
	out := map[string]string{}
	maps.Copy(out, pod.Labels)
	return out
}

func logResult(ctx context.Context, ref kube.Ref, res quarantineResult, dryRun bool) {
	switch {
	case !res.Changed:
		action.Logf(ctx, "%s is already quarantined by networkpolicy %s; nothing to change", ref, res.NetworkPolicy)
	case dryRun:
		action.Logf(ctx, "dry run: %s would be isolated by networkpolicy %s and lose the labels %v; nothing was changed", ref, res.NetworkPolicy, res.Removed)
	default:
		action.Logf(ctx, "quarantined %s: networkpolicy %s denies all its traffic; removed the labels %v", ref, res.NetworkPolicy, res.Removed)
	}
}
