package apiservertest

import (
	"fmt"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/internal/actionjob"
	"github.com/kubernaut/kubernaut/internal/testutil/envtest"
)

// controllerUser is the identity the tests impersonate: it may manage RBAC objects and holds the
// ceiling, like the manager's ServiceAccount in config/rbac.
const controllerUser = "kubernaut-controller-under-test"

// ceiling is an action permission ceiling with wildcards, subresources and resource names, so
// that the comparison below exercises every part of the covers rule.
var ceiling = []rbacv1.PolicyRule{
	{APIGroups: []string{"apps"}, Resources: []string{"deployments", "statefulsets"}, Verbs: []string{"get", "list", "patch", "update"}},
	{APIGroups: []string{"apps"}, Resources: []string{"*/scale"}, Verbs: []string{"*"}},
	{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}, ResourceNames: []string{"app-config"}},
	{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list"}},
}

func TestCheckCeilingAgreesWithTheAPIServersEscalationCheck(t *testing.T) {
	grantController(t)
	ns := newNamespace(t)
	as := clientAs(t, controllerUser)
	rule := func(group, resource, verb string, names ...string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{APIGroups: []string{group}, Resources: []string{resource}, Verbs: []string{verb}, ResourceNames: names}
	}
	for i, tt := range []struct {
		name    string
		rule    rbacv1.PolicyRule
		allowed bool
	}{
		{"a listed verb is within", rule("apps", "deployments", "patch"), true},
		{"an unlisted verb is beyond", rule("apps", "deployments", "delete"), false},
		{"a subresource under a */scale wildcard is within", rule("apps", "deployments/scale", "update"), true},
		{"another subresource is beyond", rule("apps", "deployments/status", "update"), false},
		{"a listed resource name is within", rule("", "configmaps", "get", "app-config"), true},
		{"another resource name is beyond", rule("", "configmaps", "get", "other-config"), false},
		{"all names are beyond a named ceiling", rule("", "configmaps", "get"), false},
		{"an unlisted resource is beyond", rule("", "secrets", "get"), false},
		{"an unlisted group is beyond", rule("batch", "jobs", "create"), false},
		{"a cluster-scoped resource in the ceiling is within", rule("", "nodes", "list"), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			requested := []rbacv1.PolicyRule{tt.rule}
			predicted := actionjob.CheckCeiling(requested, ceiling)
			role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("action-%d", i)}, Rules: requested}
			actual := as.Create(envtest.Context(t), role)
			if (predicted == nil) != tt.allowed {
				t.Errorf("CheckCeiling = %v, want allowed %t", predicted, tt.allowed)
			}
			if (actual == nil) != tt.allowed {
				t.Errorf("the API server's answer to creating the Role = %v, want allowed %t", actual, tt.allowed)
			}
			if actual != nil && !apierrors.IsForbidden(actual) {
				t.Errorf("the API server refused the Role for another reason than escalation: %v", actual)
			}
		})
	}
}

// grantController lets controllerUser manage RBAC objects and gives it the ceiling, both
// cluster-wide as the manager's deployment does.
func grantController(t *testing.T) {
	t.Helper()
	ctx := envtest.Context(t)
	manage := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "test-manager-"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"rbac.authorization.k8s.io"},
			Resources: []string{"roles", "rolebindings", "clusterroles", "clusterrolebindings"}, Verbs: []string{"create", "get", "delete"}}},
	}
	ceilingRole := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{GenerateName: "test-ceiling-"}, Rules: ceiling}
	for _, role := range []*rbacv1.ClusterRole{manage, ceilingRole} {
		if err := env.Client.Create(ctx, role); err != nil {
			t.Fatalf("create ClusterRole: %v", err)
		}
		binding := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{GenerateName: role.Name},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: controllerUser}},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		}
		if err := env.Client.Create(ctx, binding); err != nil {
			t.Fatalf("create ClusterRoleBinding: %v", err)
		}
	}
}
