package actionjob

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	rbacvalidation "k8s.io/component-helpers/auth/rbac/validation"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

// Permissions splits the contract's rbac.permissions into the rules granted in the
// ActionExecution's namespace (a Role) and those granted cluster-wide (a ClusterRole). Both are
// nil when the contract asks for nothing of that scope.
func Permissions(c *contract.ActionContract) (namespaced, cluster []rbacv1.PolicyRule) {
	for _, p := range c.Spec.RBAC.Permissions {
		rule := rbacv1.PolicyRule{
			APIGroups:     slices.Clone(p.APIGroups),
			Resources:     slices.Clone(p.Resources),
			Verbs:         slices.Clone(p.Verbs),
			ResourceNames: slices.Clone(p.ResourceNames),
		}
		if p.EffectiveScope() == contract.ScopeCluster {
			cluster = append(cluster, rule)
		} else {
			namespaced = append(namespaced, rule)
		}
	}
	return namespaced, cluster
}

// CheckCeiling reports whether the ceiling rules (the controller's action permission ceiling
// ClusterRole) cover every requested rule, with exactly the API server's semantics (the
// "covers" check of its RBAC escalation prevention): "*" verbs, API groups and resources,
// "<resource>/*"-style subresource wildcards ("*/scale"), and resourceNames, where a ceiling
// rule with names covers only those names. The API server enforces the ceiling for real when
// the controller creates the Role; this pre-check turns a Forbidden into a clear refusal.
//
// The error is an *Error with reason PermissionsExceedCeiling naming the first verb, resource,
// API group and name not covered.
func CheckCeiling(rules, ceiling []rbacv1.PolicyRule) error {
	covered, uncovered := rbacvalidation.Covers(ceiling, rules)
	if covered {
		return nil
	}
	first := uncovered[0]
	msg := "the contract asks for " + describeRule(first) + ", beyond the action permission ceiling"
	if n := len(uncovered) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more verb/resource combinations)", n)
	}
	return reasonError(executionv1alpha1.PermissionsExceedCeilingReason, fmt.Errorf("%s", msg))
}

// describeRule renders one broken-down rule (one verb, group, resource, at most one name).
func describeRule(r rbacv1.PolicyRule) string {
	group := "the core API group"
	if g := strings.Join(r.APIGroups, ","); g != "" {
		group = "API group " + g
	}
	s := fmt.Sprintf("verb %q on %q in %s", strings.Join(r.Verbs, ","), strings.Join(r.Resources, ","), group)
	if len(r.ResourceNames) > 0 {
		s += fmt.Sprintf(" named %q", strings.Join(r.ResourceNames, ","))
	}
	return s
}

// RBACObjects are the objects that give an action exactly its contract's permissions. A field
// is nil when it is not needed: no permissions at all means no ServiceAccount (the pod then runs
// without a token), and a scope without rules means no role or binding for it.
type RBACObjects struct {
	ServiceAccount     *corev1.ServiceAccount
	Role               *rbacv1.Role
	RoleBinding        *rbacv1.RoleBinding
	ClusterRole        *rbacv1.ClusterRole
	ClusterRoleBinding *rbacv1.ClusterRoleBinding
}

// BuildRBAC builds the ServiceAccount, Role, RoleBinding, ClusterRole and ClusterRoleBinding of
// ae from the contract's permissions. Call it only when neither the ActionExecution nor the
// registry entry names a ServiceAccount: then the controller grants nothing.
//
// Namespaced objects are named RBACName(ae) and controlled by ae. Cluster-scoped ones are named
// ClusterRBACName(ae) and carry ae's UID, namespace and name as labels (and the full
// "<namespace>/<name>" as an annotation) instead of an owner reference, which a cluster-scoped
// object cannot have to a namespaced owner: the controller deletes them itself.
func BuildRBAC(ae *executionv1alpha1.ActionExecution, c *contract.ActionContract) RBACObjects {
	namespaced, cluster := Permissions(c)
	if len(namespaced) == 0 && len(cluster) == 0 {
		return RBACObjects{}
	}
	meta := metav1.ObjectMeta{
		Name:            RBACName(ae),
		Namespace:       ae.Namespace,
		Labels:          Labels(ae),
		OwnerReferences: []metav1.OwnerReference{ownerReference(ae)},
	}
	subjects := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: meta.Name, Namespace: ae.Namespace}}
	objs := RBACObjects{ServiceAccount: &corev1.ServiceAccount{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"}, ObjectMeta: *meta.DeepCopy(),
	}}
	if len(namespaced) > 0 {
		objs.Role = &rbacv1.Role{TypeMeta: rbacTypeMeta("Role"), ObjectMeta: *meta.DeepCopy(), Rules: namespaced}
		objs.RoleBinding = &rbacv1.RoleBinding{
			TypeMeta: rbacTypeMeta("RoleBinding"), ObjectMeta: *meta.DeepCopy(), Subjects: subjects,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: meta.Name},
		}
	}
	if len(cluster) > 0 {
		clusterMeta := metav1.ObjectMeta{
			Name:        ClusterRBACName(ae),
			Labels:      clusterLabels(ae),
			Annotations: map[string]string{AnnotationActionExecution: ae.Namespace + "/" + ae.Name},
		}
		objs.ClusterRole = &rbacv1.ClusterRole{TypeMeta: rbacTypeMeta("ClusterRole"), ObjectMeta: *clusterMeta.DeepCopy(), Rules: cluster}
		objs.ClusterRoleBinding = &rbacv1.ClusterRoleBinding{
			TypeMeta: rbacTypeMeta("ClusterRoleBinding"), ObjectMeta: *clusterMeta.DeepCopy(), Subjects: slices.Clone(subjects),
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: clusterMeta.Name},
		}
	}
	return objs
}

func rbacTypeMeta(kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: kind}
}
