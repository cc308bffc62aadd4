package main

import (
	"context"
	corev1 "k8s.io/api/core/v1"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
)

func TestCordonMarksTheNodeUnschedulableAndKeepsTheRest(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := sb.NewNode(t, corev1.NodeSpec{Unschedulable: false})

	r := runAction(t, sb, map[string]any{"node": node.Name})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"node": node.Name, "previousUnschedulable": false, "unschedulable": true, "changed": true, "dryRun": false,
	}, r)
	after := sb.GetNode(t, node.Name)
	if !after.Spec.Unschedulable {
		t.Errorf("spec.unschedulable = false after the action")
	}
	if after.Labels["team"] != "sre" {
		t.Errorf("the patch touched the node's labels: %v", after.Labels)
	}
}

func TestDryRunReportsTheCordonAndPersistsNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := sb.NewNode(t, corev1.NodeSpec{Unschedulable: false})

	r := runAction(t, sb, map[string]any{"node": node.Name, "dryRun": true})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"node": node.Name, "previousUnschedulable": false, "unschedulable": true, "changed": true, "dryRun": true,
	}, r)
	if after := sb.GetNode(t, node.Name); after.ResourceVersion != node.ResourceVersion || after.Spec.Unschedulable {
		t.Errorf("the dry run changed the node: resourceVersion %s -> %s, unschedulable %t",
			node.ResourceVersion, after.ResourceVersion, after.Spec.Unschedulable)
	}
	if !strings.Contains(r.Stderr, "dry run: node "+node.Name+" would have unschedulable=true") {
		t.Errorf("the log does not say what would change:\n%s", r.Stderr)
	}
}

func TestCordoningACordonedNodeWritesNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := sb.NewNode(t, corev1.NodeSpec{Unschedulable: true})

	r := runAction(t, sb, map[string]any{"node": node.Name})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"node": node.Name, "previousUnschedulable": true, "unschedulable": true, "changed": false, "dryRun": false,
	}, r)
	if after := sb.GetNode(t, node.Name); after.ResourceVersion != node.ResourceVersion {
		t.Errorf("resourceVersion %s -> %s: the action wrote an unchanged node", node.ResourceVersion, after.ResourceVersion)
	}
}

func TestAMissingNodeFailsNamingIt(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)

	r := runAction(t, sb, map[string]any{"node": "no-such-node"})

	if r.ExitCode != 1 {
		t.Fatalf("exit code %d, want 1 (action failed); stderr:\n%s", r.ExitCode, r.Stderr)
	}
	if want := "node no-such-node not found: check the inputs"; !strings.Contains(r.Stderr, want) {
		t.Errorf("stderr does not contain %q:\n%s", want, r.Stderr)
	}
}

func TestTheContractGrantsWhatCordoningNeedsAndNothingElse(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := sb.NewNode(t, corev1.NodeSpec{Unschedulable: false})
	ctx := context.Background()

	err := sb.Client.CoreV1().Nodes().Delete(ctx, node.Name, metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete the node")
	_, err = sb.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list nodes")
	_, err = sb.Client.CoreV1().Nodes().Patch(ctx, node.Name, types.MergePatchType,
		[]byte(`{"status":{"conditions":[{"type":"Ready","status":"False"}]}}`), metav1.PatchOptions{}, "status")
	sb.ExpectForbidden(t, err, "patch the node's status")
	_, err = sb.Client.CoreV1().Pods(sb.Namespace).List(ctx, metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list pods")

	for _, denied := range []struct{ verb, resource, subresource string }{
		{"update", "nodes", ""}, {"create", "nodes", ""}, {"watch", "nodes", ""}, {"create", "pods", "eviction"},
		{"delete", "pods", ""},
	} {
		if sb.ClusterAllowed(t, kubetest.Attrs("", denied.resource, denied.subresource, denied.verb)) {
			t.Errorf("the contract allows %s on %s/%s; it must not", denied.verb, denied.resource, denied.subresource)
		}
	}
}
