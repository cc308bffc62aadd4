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

var gpu = corev1.Taint{Key: "example.com/gpu", Value: "true", Effect: corev1.TaintEffectNoSchedule}

func TestTaintAddsATaintAndKeepsTheOthers(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := sb.NewNode(t, corev1.NodeSpec{Taints: []corev1.Taint{gpu}})

	r := runAction(t, sb, map[string]any{"node": node.Name, "key": "example.com/maintenance", "value": "disk", "effect": "NoExecute"})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"node": node.Name, "taint": "example.com/maintenance=disk:NoExecute", "replaced": "",
		"previousTaints": []any{"example.com/gpu=true:NoSchedule", notReady},
		"taints":         []any{"example.com/gpu=true:NoSchedule", notReady, "example.com/maintenance=disk:NoExecute"},
		"changed":        true, "dryRun": false,
	}, r)
	after := sb.GetNode(t, node.Name).Spec.Taints
	if len(after) != 3 || after[2].Key != "example.com/maintenance" || after[2].TimeAdded == nil {
		t.Errorf("taints after the action: %+v; want gpu kept and maintenance added with timeAdded (NoExecute)", after)
	}
}

func TestATaintWithTheSameKeyAndEffectIsReplacedAndOneWithAnotherEffectStays(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := sb.NewNode(t, corev1.NodeSpec{Taints: []corev1.Taint{gpu, corev1.Taint{Key: "example.com/gpu", Value: "true", Effect: corev1.TaintEffectPreferNoSchedule}}})

	r := runAction(t, sb, map[string]any{"node": node.Name, "key": "example.com/gpu", "value": "broken", "effect": "NoSchedule"})

	actiontesting.MustSucceed(t, r)
	if r.Outputs["replaced"] != "example.com/gpu=true:NoSchedule" {
		t.Errorf("replaced = %v, want the NoSchedule taint", r.Outputs["replaced"])
	}
	got := nodes.RenderTaints(sb.GetNode(t, node.Name).Spec.Taints)
	want := []string{"example.com/gpu=broken:NoSchedule", "example.com/gpu=true:PreferNoSchedule", notReady}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("taints after the action (-want +got):\n%s", diff)
	}
}

func TestDryRunReportsTheTaintAndPersistsNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := sb.NewNode(t, corev1.NodeSpec{})

	r := runAction(t, sb, map[string]any{"node": node.Name, "key": "maintenance", "effect": "NoSchedule", "dryRun": true})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"node": node.Name, "taint": "maintenance:NoSchedule", "replaced": "", "previousTaints": []any{notReady},
		"taints": []any{notReady, "maintenance:NoSchedule"}, "changed": true, "dryRun": true,
	}, r)
	if after := sb.GetNode(t, node.Name); after.ResourceVersion != node.ResourceVersion || len(after.Spec.Taints) != 1 {
		t.Errorf("the dry run changed the node: resourceVersion %s -> %s, taints %v", node.ResourceVersion, after.ResourceVersion, after.Spec.Taints)
	}
}

func TestATaintThatIsAlreadyThereWritesNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := sb.NewNode(t, corev1.NodeSpec{Taints: []corev1.Taint{gpu}})

	r := runAction(t, sb, map[string]any{"node": node.Name, "key": gpu.Key, "value": gpu.Value, "effect": "NoSchedule"})

	actiontesting.MustSucceed(t, r)
	if r.Outputs["changed"] != false {
		t.Errorf("changed = %v, want false", r.Outputs["changed"])
	}
	if after := sb.GetNode(t, node.Name); after.ResourceVersion != node.ResourceVersion {
		t.Errorf("resourceVersion %s -> %s: the action wrote an unchanged node", node.ResourceVersion, after.ResourceVersion)
	}
}

func TestAMissingNodeFailsNamingIt(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)

	r := runAction(t, sb, map[string]any{"node": "no-such-node", "key": "k", "effect": "NoSchedule"})

	if r.ExitCode != 1 {
		t.Fatalf("exit code %d, want 1 (action failed); stderr:\n%s", r.ExitCode, r.Stderr)
	}
	if want := "node no-such-node not found: check the inputs"; !strings.Contains(r.Stderr, want) {
		t.Errorf("stderr does not contain %q:\n%s", want, r.Stderr)
	}
}

func TestWithTaintKeepsThePositionOfTheTaintItReplaces(t *testing.T) {
	a := corev1.Taint{Key: "a", Effect: corev1.TaintEffectNoSchedule}
	b := corev1.Taint{Key: "b", Value: "1", Effect: corev1.TaintEffectNoSchedule}
	out, replaced, changed := withTaint([]corev1.Taint{b, a}, corev1.Taint{Key: "b", Value: "2", Effect: corev1.TaintEffectNoSchedule}, metav1.Now())

	if diff := cmp.Diff([]string{"b=2:NoSchedule", "a:NoSchedule"}, nodes.RenderTaints(out)); diff != "" || !changed || replaced.Value != "1" {
		t.Errorf("withTaint: changed %t, replaced %v, taints (-want +got):\n%s", changed, replaced, diff)
	}
}

func TestTheContractGrantsWhatTaintingNeedsAndNothingElse(t *testing.T) {
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
		{"patch", "nodes", "status"}, {"create", "nodes", ""}, {"watch", "nodes", ""}, {"create", "pods", "eviction"},
	} {
		if sb.ClusterAllowed(t, kubetest.Attrs("", denied.resource, denied.subresource, denied.verb)) {
			t.Errorf("the contract allows %s on %s/%s; it must not", denied.verb, denied.resource, denied.subresource)
		}
	}
}
