package actionjob

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

func TestPermissionsSplitsByScope(t *testing.T) {
	namespaced, cluster := Permissions(loadContract(t, "scale-deployment.yaml"))
	wantNamespaced := []rbacv1.PolicyRule{{APIGroups: []string{"apps"}, Resources: []string{"deployments", "deployments/scale"}, Verbs: []string{"get", "patch"}}}
	wantCluster := []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list"}}}
	if diff := cmp.Diff(wantNamespaced, namespaced); diff != "" {
		t.Errorf("namespaced rules (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantCluster, cluster); diff != "" {
		t.Errorf("cluster rules (-want +got):\n%s", diff)
	}
}

func TestBuildRBACGrantsExactlyTheContractsPermissions(t *testing.T) {
	ae := newAE("scale-payments")
	got := BuildRBAC(ae, loadContract(t, "scale-deployment.yaml"))
	labels := map[string]string{
		LabelManagedBy: "kubernaut", LabelActionExecution: "scale-payments", LabelActionType: "kubernetes.scale_deployment",
	}
	meta := metav1.ObjectMeta{Name: "scale-payments-action", Namespace: "payments", Labels: labels,
		OwnerReferences: []metav1.OwnerReference{wantOwner("scale-payments")}}
	clusterName := ClusterRBACName(ae)
	clusterMeta := metav1.ObjectMeta{Name: clusterName,
		Labels: map[string]string{
			LabelManagedBy: "kubernaut", LabelActionExecution: "scale-payments", LabelActionType: "kubernetes.scale_deployment",
			LabelActionExecutionUID: string(testUID), LabelActionExecutionNamespace: "payments",
		},
		Annotations: map[string]string{AnnotationActionExecution: "payments/scale-payments"}}
	subjects := []rbacv1.Subject{{Kind: "ServiceAccount", Name: "scale-payments-action", Namespace: "payments"}}
	want := RBACObjects{
		ServiceAccount: &corev1.ServiceAccount{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"}, ObjectMeta: meta},
		Role: &rbacv1.Role{TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"}, ObjectMeta: meta,
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{"apps"}, Resources: []string{"deployments", "deployments/scale"}, Verbs: []string{"get", "patch"}}}},
		RoleBinding: &rbacv1.RoleBinding{TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"}, ObjectMeta: meta,
			Subjects: subjects, RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "scale-payments-action"}},
		ClusterRole: &rbacv1.ClusterRole{TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"}, ObjectMeta: clusterMeta,
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list"}}}},
		ClusterRoleBinding: &rbacv1.ClusterRoleBinding{TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"},
			ObjectMeta: clusterMeta, Subjects: subjects, RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: clusterName}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RBAC objects (-want +got):\n%s", diff)
	}
}

func TestBuildRBACCreatesOnlyWhatIsNeeded(t *testing.T) {
	perm := func(scope contract.Scope) contract.Permission {
		return contract.Permission{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}, Scope: scope}
	}
	withPerms := func(perms ...contract.Permission) *contract.ActionContract {
		return &contract.ActionContract{Spec: contract.Spec{RBAC: contract.RBAC{Permissions: perms}}}
	}
	for _, tt := range []struct {
		name                                      string
		c                                         *contract.ActionContract
		sa, role, binding, clusterRole, clusterRB bool
	}{
		{"no permissions need no ServiceAccount at all", withPerms(), false, false, false, false, false},
		{"namespaced permissions need a Role", withPerms(perm(contract.ScopeNamespaced)), true, true, true, false, false},
		{"an unset scope is namespaced", withPerms(perm("")), true, true, true, false, false},
		{"cluster permissions need only a ClusterRole", withPerms(perm(contract.ScopeCluster)), true, false, false, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := BuildRBAC(newAE("x"), tt.c)
			present := []bool{got.ServiceAccount != nil, got.Role != nil, got.RoleBinding != nil, got.ClusterRole != nil, got.ClusterRoleBinding != nil}
			want := []bool{tt.sa, tt.role, tt.binding, tt.clusterRole, tt.clusterRB}
			if diff := cmp.Diff(want, present); diff != "" {
				t.Errorf("present [SA Role RoleBinding ClusterRole ClusterRoleBinding] (-want +got):\n%s", diff)
			}
		})
	}
}

// ceilingCase is one CheckCeiling case: want is empty when the ceiling covers the request, else
// a substring of the error.
type ceilingCase struct {
	name      string
	requested []rbacv1.PolicyRule
	ceiling   []rbacv1.PolicyRule
	want      string
}

func ceilingCases() []ceilingCase {
	rule := func(groups, resources, verbs []string, names ...string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{APIGroups: groups, Resources: resources, Verbs: verbs, ResourceNames: names}
	}
	s := func(v ...string) []string { return v }
	apps, core := s("apps"), s("")
	return []ceilingCase{
		{"an exact rule is covered", []rbacv1.PolicyRule{rule(apps, s("deployments"), s("get", "patch"))},
			[]rbacv1.PolicyRule{rule(apps, s("deployments"), s("get", "list", "patch"))}, ""},
		{"verbs may be split over ceiling rules", []rbacv1.PolicyRule{rule(apps, s("deployments"), s("get", "patch"))},
			[]rbacv1.PolicyRule{rule(apps, s("deployments"), s("get")), rule(apps, s("deployments"), s("patch"))}, ""},
		{"a wildcard verb covers every verb", []rbacv1.PolicyRule{rule(apps, s("deployments"), s("delete"))},
			[]rbacv1.PolicyRule{rule(apps, s("deployments"), s("*"))}, ""},
		{"a wildcard resource covers every resource", []rbacv1.PolicyRule{rule(apps, s("statefulsets/scale"), s("get"))},
			[]rbacv1.PolicyRule{rule(apps, s("*"), s("get"))}, ""},
		{"a wildcard group covers every group", []rbacv1.PolicyRule{rule(s("batch"), s("jobs"), s("create"))},
			[]rbacv1.PolicyRule{rule(s("*"), s("jobs"), s("create"))}, ""},
		{"a subresource wildcard covers that subresource of all resources", []rbacv1.PolicyRule{rule(apps, s("deployments/scale"), s("patch"))},
			[]rbacv1.PolicyRule{rule(apps, s("*/scale"), s("patch"))}, ""},
		{"a ceiling without names covers named requests", []rbacv1.PolicyRule{rule(apps, s("deployments"), s("patch"), "web")},
			[]rbacv1.PolicyRule{rule(apps, s("deployments"), s("patch"))}, ""},
		{"a named ceiling covers those names", []rbacv1.PolicyRule{rule(apps, s("deployments"), s("patch"), "web")},
			[]rbacv1.PolicyRule{rule(apps, s("deployments"), s("patch"), "web", "api")}, ""},
		{"nothing requested is always covered", nil, nil, ""},
		{"a missing verb is named", []rbacv1.PolicyRule{rule(apps, s("deployments"), s("get", "delete"))},
			[]rbacv1.PolicyRule{rule(apps, s("deployments"), s("get", "patch"))},
			`the contract asks for verb "delete" on "deployments" in API group apps, beyond the action permission ceiling`},
		{"another group is not covered", []rbacv1.PolicyRule{rule(s("extensions"), s("deployments"), s("get"))},
			[]rbacv1.PolicyRule{rule(apps, s("deployments"), s("get"))}, `verb "get" on "deployments" in API group extensions`},
		{"a resource is not its subresource", []rbacv1.PolicyRule{rule(apps, s("deployments/scale"), s("patch"))},
			[]rbacv1.PolicyRule{rule(apps, s("deployments"), s("patch"))}, `verb "patch" on "deployments/scale"`},
		{"a named ceiling does not cover all names", []rbacv1.PolicyRule{rule(apps, s("deployments"), s("patch"))},
			[]rbacv1.PolicyRule{rule(apps, s("deployments"), s("patch"), "web")}, `verb "patch" on "deployments" in API group apps,`},
		{"a name outside a named ceiling is named", []rbacv1.PolicyRule{rule(apps, s("deployments"), s("patch"), "db")},
			[]rbacv1.PolicyRule{rule(apps, s("deployments"), s("patch"), "web")}, `in API group apps named "db"`},
		{"the core group is spelt out and the rest counted", []rbacv1.PolicyRule{rule(core, s("secrets", "configmaps"), s("get", "list"))},
			nil, `verb "get" on "secrets" in the core API group, beyond the action permission ceiling (and 3 more`},
	}
}

func TestCheckCeiling(t *testing.T) {
	for _, tt := range ceilingCases() {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckCeiling(tt.requested, tt.ceiling)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CheckCeiling refused covered rules: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckCeiling accepted rules beyond the ceiling")
			}
			if reason, _ := ReasonOf(err); reason != executionv1alpha1.PermissionsExceedCeilingReason {
				t.Errorf("reason = %q, want %s", reason, executionv1alpha1.PermissionsExceedCeilingReason)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error does not name the rule:\n got: %v\nwant: …%s…", err, tt.want)
			}
		})
	}
}
