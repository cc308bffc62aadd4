package main

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/actions/internal/nodes"
)

var (
	gpuNoSchedule = corev1.Taint{Key: "example.com/gpu", Value: "true", Effect: corev1.TaintEffectNoSchedule}
	gpuPrefer     = corev1.Taint{Key: "example.com/gpu", Value: "true", Effect: corev1.TaintEffectPreferNoSchedule}
	maintenance   = corev1.Taint{Key: "maintenance", Effect: corev1.TaintEffectNoSchedule}
)

func TestUntaintWithoutAnEffectRemovesEveryTaintWithTheKey(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := sb.NewNode(t, corev1.NodeSpec{Taints: []corev1.Taint{gpuNoSchedule, maintenance, gpuPrefer}})

	r := runAction(t, sb, map[string]any{"node": node.Name, "key": "example.com/gpu"})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"node":           node.Name,
		"removed":        []any{"example.com/gpu=true:NoSchedule", "example.com/gpu=true:PreferNoSchedule"},
		"previousTaints": []any{"example.com/gpu=true:NoSchedule", "maintenance:NoSchedule", "example.com/gpu=true:PreferNoSchedule", notReady},
		"taints":         []any{"maintenance:NoSchedule", notReady},
		"changed":        true, "dryRun": false,
	}, r)
	if diff := cmp.Diff([]string{"maintenance:NoSchedule", notReady}, nodes.RenderTaints(sb.GetNode(t, node.Name).Spec.Taints)); diff != "" {
		t.Errorf("taints after the action (-want +got):\n%s", diff)
	}
}

func TestUntaintWithAnEffectRemovesOnlyThatTaint(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := sb.NewNode(t, corev1.NodeSpec{Taints: []corev1.Taint{gpuNoSchedule, gpuPrefer}})

	r := runAction(t, sb, map[string]any{"node": node.Name, "key": "example.com/gpu", "effect": "PreferNoSchedule"})

	actiontesting.MustSucceed(t, r)
	want := []string{"example.com/gpu=true:NoSchedule", notReady}
	if diff := cmp.Diff(want, nodes.RenderTaints(sb.GetNode(t, node.Name).Spec.Taints)); diff != "" {
		t.Errorf("taints after the action (-want +got):\n%s", diff)
	}
}

func TestDryRunReportsTheRemovalAndPersistsNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := sb.NewNode(t, corev1.NodeSpec{Taints: []corev1.Taint{maintenance}})

	r := runAction(t, sb, map[string]any{"node": node.Name, "key": "maintenance", "dryRun": true})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"node": node.Name, "removed": []any{"maintenance:NoSchedule"},
		"previousTaints": []any{"maintenance:NoSchedule", notReady}, "taints": []any{notReady},
		"changed": true, "dryRun": true,
	}, r)
	if after := sb.GetNode(t, node.Name); after.ResourceVersion != node.ResourceVersion {
		t.Errorf("the dry run changed the node: resourceVersion %s -> %s", node.ResourceVersion, after.ResourceVersion)
	}
}

func TestAnAbsentTaintIsNoFailureAndWritesNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := sb.NewNode(t, corev1.NodeSpec{Taints: []corev1.Taint{gpuNoSchedule}})

	r := runAction(t, sb, map[string]any{"node": node.Name, "key": "example.com/gpu", "effect": "NoExecute"})

	actiontesting.MustSucceed(t, r)
	if r.Outputs["changed"] != false {
		t.Errorf("changed = %v, want false", r.Outputs["changed"])
	}
	if after := sb.GetNode(t, node.Name); after.ResourceVersion != node.ResourceVersion {
		t.Errorf("resourceVersion %s -> %s: the action wrote an unchanged node", node.ResourceVersion, after.ResourceVersion)
	}
	if !strings.Contains(r.Stderr, "has no taint example.com/gpu:NoExecute") {
		t.Errorf("the log does not say that nothing matched:\n%s", r.Stderr)
	}
}

func TestAMissingNodeFailsNamingIt(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)

	r := runAction(t, sb, map[string]any{"node": "no-such-node", "key": "k"})

	if r.ExitCode != 1 {
		t.Fatalf("exit code %d, want 1 (action failed); stderr:\n%s", r.ExitCode, r.Stderr)
	}
	if want := "node no-such-node not found: check the inputs"; !strings.Contains(r.Stderr, want) {
		t.Errorf("stderr does not contain %q:\n%s", want, r.Stderr)
	}
}

func TestTheContractGrantsWhatUntaintingNeedsAndNothingElse(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := sb.NewNode(t, corev1.NodeSpec{})
	ctx := context.Background()

	err := sb.Client.CoreV1().Nodes().Delete(ctx, node.Name, metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete the node")
	_, err = sb.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list nodes")
	_, err = sb.Client.CoreV1().Nodes().Update(ctx, node, metav1.UpdateOptions{})
	sb.ExpectForbidden(t, err, "update the whole node")

	for _, denied := range []struct{ verb, resource, subresource string }{
		{"patch", "nodes", "status"}, {"create", "nodes", ""}, {"watch", "nodes", ""}, {"delete", "pods", ""},
	} {
		if sb.ClusterAllowed(t, kubetest.Attrs("", denied.resource, denied.subresource, denied.verb)) {
			t.Errorf("the contract allows %s on %s/%s; it must not", denied.verb, denied.resource, denied.subresource)
		}
	}
}
