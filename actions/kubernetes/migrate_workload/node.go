package main

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
)

// checkNode checks the node that c names before the template changes: it must exist (a
// misspelt name would otherwise roll out every pod for nothing, or leave them all Pending)
// and, for a target, the scheduler must be able to place the pods there: the node is
// schedulable, matches the template's nodeSelector and its required node affinity with the
// new expression (the scheduler's own matching code), and carries no NoSchedule or NoExecute
// taint that the pods do not tolerate.
func checkNode(ctx context.Context, c kubernetes.Interface, want constraint, d *appsv1.Deployment, affinity *corev1.Affinity) error {
	ref := kube.Ref{Kind: "node", Name: want.Node}
	node, err := c.CoreV1().Nodes().Get(ctx, want.Node, metav1.GetOptions{})
	if err != nil {
		return kube.APIError(err, "get", ref)
	}
	if want.Operator == corev1.NodeSelectorOpNotIn {
		return nil
	}
	if node.Spec.Unschedulable {
		return fmt.Errorf("%s is cordoned (spec.unschedulable): no pod could be scheduled there; uncordon it or choose another target", ref)
	}
	fits, err := nodeaffinity.NewRequiredNodeAffinity(d.Spec.Template.Spec.NodeSelector, affinity).Match(node)
	if err != nil {
		return fmt.Errorf("the pod template's node affinity of deployment %s/%s is invalid: %w", d.Namespace, d.Name, err)
	}
	if !fits {
		return fmt.Errorf("%s does not satisfy the other placement rules of deployment %s/%s (its nodeSelector or "+
			"required node affinity), so no pod could be scheduled there", ref, d.Namespace, d.Name)
	}
	tolerations := d.Spec.Template.Spec.Tolerations
	for _, taint := range node.Spec.Taints {
		if taint.Effect == corev1.TaintEffectPreferNoSchedule || tolerated(taint, tolerations) {
			continue
		}
		return fmt.Errorf("%s has the taint %s, which the pods of deployment %s/%s do not tolerate, so no pod could be scheduled there",
			ref, taint.ToString(), d.Namespace, d.Name)
	}
	return nil
}

// tolerated reports whether a toleration of the list tolerates taint, as the scheduler decides.
func tolerated(taint corev1.Taint, tolerations []corev1.Toleration) bool {
	for _, t := range tolerations {
		if t.ToleratesTaint(klog.Background(), &taint, false) {
			return true
		}
	}
	return false
}
