package catalog_test

import (
	"os"
	"path/filepath"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/kubernaut/kubernaut/internal/actionjob"
	"github.com/kubernaut/kubernaut/internal/catalog"
)

// shippedCeiling is the action permission ceiling config/default installs.
var shippedCeiling = filepath.Join("..", "..", "config", "rbac", "action_ceiling_role.yaml")

// Every built-in action must run under the shipped ceiling: an action the default install
// refuses with PermissionsExceedCeiling is a broken catalogue, however well it is tested alone.
func TestEveryBuiltInActionFitsUnderTheShippedPermissionCeiling(t *testing.T) {
	data, err := os.ReadFile(shippedCeiling)
	if err != nil {
		t.Fatal(err)
	}
	var ceiling rbacv1.ClusterRole
	if err := yaml.UnmarshalStrict(data, &ceiling); err != nil {
		t.Fatalf("%s: %v", shippedCeiling, err)
	}
	actions, err := catalog.Discover(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range actions {
		namespaced, cluster := actionjob.Permissions(a.Contract)
		if err := actionjob.CheckCeiling(append(namespaced, cluster...), ceiling.Rules); err != nil {
			t.Errorf("%s: %v (widen %s deliberately, or narrow the contract)", a.Type, err, shippedCeiling)
		}
	}
}
