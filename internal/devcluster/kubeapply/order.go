package kubeapply

import (
	"context"
	"fmt"
	"slices"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Rank puts what others depend on first: namespaces hold everything, CRDs must be established
// before anything uses their kinds, and Deployments start last, when their ServiceAccounts,
// RBAC, ConfigMaps and Secrets exist.
func Rank(kind string) int {
	switch kind {
	case "Namespace":
		return 0
	case "CustomResourceDefinition":
		return 1
	case "Deployment":
		return 3
	default:
		return 2
	}
}

// SortForApply orders objects by Rank, keeping the rendered order within a rank.
func SortForApply(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	sorted := slices.Clone(objs)
	slices.SortStableFunc(sorted, func(a, b *unstructured.Unstructured) int {
		return Rank(a.GetKind()) - Rank(b.GetKind())
	})
	return sorted
}

// Describe names an object as Kind/name or Kind/namespace/name.
func Describe(o *unstructured.Unstructured) string {
	if o.GetNamespace() == "" {
		return o.GetKind() + "/" + o.GetName()
	}
	return o.GetKind() + "/" + o.GetNamespace() + "/" + o.GetName()
}

// WaitEstablished waits until each named CustomResourceDefinition is Established, so that
// objects of its kind can be applied.
func (c *Clients) WaitEstablished(ctx context.Context, names []string, timeout time.Duration) error {
	for _, n := range names {
		crd := &unstructured.Unstructured{}
		crd.SetAPIVersion("apiextensions.k8s.io/v1")
		crd.SetKind("CustomResourceDefinition")
		err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
			if err := c.Objects.Get(ctx, client.ObjectKey{Name: n}, crd); err != nil {
				return false, nil
			}
			return ConditionTrue(crd, "Established"), nil
		})
		if err != nil {
			return fmt.Errorf("CustomResourceDefinition %s not Established after %s: %w", n, timeout, err)
		}
	}
	return nil
}

// ConditionTrue reports whether the object's status has condition condType with status True.
func ConditionTrue(o *unstructured.Unstructured, condType string) bool {
	conds, _, _ := unstructured.NestedSlice(o.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == condType && m["status"] == string(metav1.ConditionTrue) {
			return true
		}
	}
	return false
}
