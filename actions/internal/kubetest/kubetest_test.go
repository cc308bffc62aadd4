package kubetest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var cluster *Cluster

func TestMain(m *testing.M) { os.Exit(Main(m, &cluster)) }

// A contract with a namespaced and a cluster-scoped rule, as the node actions of the catalogue
// will have.
const mixedContract = `apiVersion: kubernaut.ai/v1alpha1
kind: ActionContract
metadata: {name: cordon-node, version: v1.0.0}
spec:
  rbac:
    permissions:
      - {apiGroups: [""], resources: [pods], verbs: [list]}
      - {apiGroups: [""], resources: [nodes], verbs: [get, patch], scope: Cluster}
`

func TestTheSandboxGrantsExactlyTheContractsRulesInTheirScopes(t *testing.T) {
	file := filepath.Join(t.TempDir(), "action-contract.yaml")
	if err := os.WriteFile(file, []byte(mixedContract), 0o644); err != nil {
		t.Fatal(err)
	}
	sb := cluster.NewSandbox(t, file)
	other := cluster.NewSandbox(t, file)

	if _, err := sb.Client.CoreV1().Pods(sb.Namespace).List(context.Background(), metav1.ListOptions{}); err != nil {
		t.Errorf("list pods in the sandbox's namespace, which the contract grants: %v", err)
	}
	_, err := sb.Client.CoreV1().Pods(other.Namespace).List(context.Background(), metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list pods in another namespace")
	for _, tt := range []struct {
		verb, resource string
		cluster, want  bool
	}{
		{"get", "nodes", true, true}, {"patch", "nodes", true, true}, {"delete", "nodes", true, false},
		{"list", "pods", false, true}, {"get", "pods", false, false}, {"list", "secrets", false, false},
	} {
		attrs := Attrs("", tt.resource, "", tt.verb)
		var got bool
		if tt.cluster {
			got = sb.ClusterAllowed(t, attrs)
		} else {
			got = sb.Allowed(t, attrs)
		}
		if got != tt.want {
			t.Errorf("%s %s allowed = %t, want %t", tt.verb, tt.resource, got, tt.want)
		}
	}
	if sb.ServiceAccount == "" || sb.User != "system:serviceaccount:"+sb.Namespace+":"+sb.ServiceAccount {
		t.Errorf("ServiceAccount %q, User %q: the user must be the ServiceAccount", sb.ServiceAccount, sb.User)
	}
}

func TestAContractWithoutPermissionsGetsNoServiceAccountAndNoRights(t *testing.T) {
	file := filepath.Join(t.TempDir(), "action-contract.yaml")
	doc := "apiVersion: kubernaut.ai/v1alpha1\nkind: ActionContract\nmetadata: {name: notify-only, version: v1.0.0}\nspec: {}\n"
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}

	sb := cluster.NewSandbox(t, file)

	if sb.ServiceAccount != "" {
		t.Errorf("ServiceAccount = %q, want none", sb.ServiceAccount)
	}
	_, err := sb.Client.CoreV1().Pods(sb.Namespace).List(context.Background(), metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list pods")
}
