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
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// hostnameTerms is the output form of a required node affinity with one term per operator and
// node: {"nodeSelectorTerms": [{"matchExpressions": [...]}, ...]}.
func hostnameTerms(operator, node string) map[string]any {
	return map[string]any{"nodeSelectorTerms": []any{map[string]any{"matchExpressions": []any{
		map[string]any{"key": HostnameLabel, "operator": operator, "values": []any{node}},
	}}}}
}

// zonalAffinity is an owner's affinity: zone a or zone b, and a preference that must survive.
func zonalAffinity() *corev1.Affinity {
	zone := func(z string) corev1.NodeSelectorTerm {
		return corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: corev1.LabelTopologyZone, Operator: corev1.NodeSelectorOpIn, Values: []string{z}}}}
	}
	return &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution:  &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{zone("a"), zone("b")}},
		PreferredDuringSchedulingIgnoredDuringExecution: []corev1.PreferredSchedulingTerm{{Weight: 10, Preference: zone("a")}},
	}}
}

func TestAvoidNodeMovesThePodsOffTheNodeAndReportsThePlacement(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	sick, healthy := newNode(t, sb, "a", nil), newNode(t, sb, "b", nil)
	before := newDeployment(t, sb, nil)
	newReadyPod(t, sb, "web-old-1", "old", sick)
	newReadyPod(t, sb, "web-old-2", "old", healthy)
	done := playRollout(t, sb, before.Generation+1, []string{"web-old-1", "web-old-2"}, healthy, healthy)

	r := runAction(t, sb, map[string]any{"deployment": "web", "avoidNode": sick}, actiontest.WithContext(kubetest.Context(t)))

	<-done
	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"deployment": "web", "namespace": sb.Namespace,
		"previousConstraint": "", "constraint": HostnameLabel + " NotIn (" + sick + ")",
		"previousNodeAffinity": map[string]any{}, "nodeAffinity": hostnameTerms("NotIn", sick),
		"previousPlacement": map[string]any{sick: 1, healthy: 1}, "placement": map[string]any{healthy: 2},
		"changed": true, "updatedReplicas": 2, "availableReplicas": 2, "dryRun": false,
	}, r)
	after := sb.GetDeployment(t, "web").Spec.Template
	if got := after.Annotations[RecordAnnotation]; got != `{"operator":"NotIn","node":"`+sick+`"}` {
		t.Errorf("the record is %q", got)
	}
}

func TestTheConstraintJoinsEveryTermOfTheOwnersAffinityAndClearRestoresItExactly(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := newNode(t, sb, "a", nil)
	before := newDeployment(t, sb, func(tpl *corev1.PodTemplateSpec) {
		tpl.Spec.Affinity = zonalAffinity()
		tpl.Annotations = map[string]string{"team": "shop"}
	})

	r := runAction(t, sb, map[string]any{"deployment": "web", "avoidNode": node, "waitForRollout": false})

	actiontesting.MustSucceed(t, r)
	terms := sb.GetDeployment(t, "web").Spec.Template.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	for i, term := range terms {
		want := append(zonalAffinity().NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[i].MatchExpressions,
			corev1.NodeSelectorRequirement{Key: HostnameLabel, Operator: corev1.NodeSelectorOpNotIn, Values: []string{node}})
		if diff := cmp.Diff(want, term.MatchExpressions); diff != "" {
			t.Errorf("term %d (-want +got):\n%s", i, diff)
		}
	}

	r = runAction(t, sb, map[string]any{"deployment": "web", "clear": true, "waitForRollout": false})

	actiontesting.MustSucceed(t, r)
	if r.Outputs["previousConstraint"] != HostnameLabel+" NotIn ("+node+")" || r.Outputs["constraint"] != "" {
		t.Errorf("outputs = %v, want the NotIn constraint cleared", r.Outputs)
	}
	if diff := cmp.Diff(before.Spec.Template, sb.GetDeployment(t, "web").Spec.Template); diff != "" {
		t.Errorf("the pod template after clear differs from the original (-before +after):\n%s", diff)
	}
}

func TestANewConstraintReplacesTheRecordedOneAndClearLeavesNoAffinity(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	a, b := newNode(t, sb, "a", nil), newNode(t, sb, "b", nil)
	before := newDeployment(t, sb, nil)
	actiontesting.MustSucceed(t, runAction(t, sb, map[string]any{"deployment": "web", "targetNode": a, "waitForRollout": false}))

	r := runAction(t, sb, map[string]any{"deployment": "web", "avoidNode": b, "waitForRollout": false})

	actiontesting.MustSucceed(t, r)
	if diff := cmp.Diff(hostnameTerms("NotIn", b), r.Outputs["nodeAffinity"]); diff != "" {
		t.Errorf("nodeAffinity (-want +got):\n%s", diff)
	}
	if r.Outputs["previousConstraint"] != HostnameLabel+" In ("+a+")" {
		t.Errorf("previousConstraint = %v", r.Outputs["previousConstraint"])
	}
	actiontesting.MustSucceed(t, runAction(t, sb, map[string]any{"deployment": "web", "clear": true, "waitForRollout": false}))
	if diff := cmp.Diff(before.Spec.Template, sb.GetDeployment(t, "web").Spec.Template); diff != "" {
		t.Errorf("the pod template after clear differs from the original (-before +after):\n%s", diff)
	}
}

func TestATargetNodeThePodsCannotRunOnIsRefused(t *testing.T) {
	noExecute := corev1.Taint{Key: "example.com/maintenance", Effect: corev1.TaintEffectNoExecute}
	tests := []struct {
		name string
		node func(*testing.T, *kubetest.Sandbox) string
		want string
	}{
		{"a node that does not exist", func(*testing.T, *kubetest.Sandbox) string { return "gone" },
			"node gone not found: check the inputs"},
		{"a cordoned node", func(t *testing.T, sb *kubetest.Sandbox) string {
			name := newNode(t, sb, "a", nil)
			n := sb.GetNode(t, name)
			n.Spec.Unschedulable = true
			if _, err := sb.Admin.CoreV1().Nodes().Update(context.Background(), n, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
			return name
		}, "is cordoned (spec.unschedulable)"},
		{"a node outside the owner's zones", func(t *testing.T, sb *kubetest.Sandbox) string {
			return newNode(t, sb, "a", map[string]string{corev1.LabelTopologyZone: "c"})
		}, "does not satisfy the other placement rules of deployment"},
		{"a node with a taint the pods do not tolerate", func(t *testing.T, sb *kubetest.Sandbox) string {
			return newNode(t, sb, "a", map[string]string{corev1.LabelTopologyZone: "a"}, noExecute)
		}, "has the taint example.com/maintenance:NoExecute, which the pods of deployment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := cluster.NewSandbox(t, contractFile)
			before := newDeployment(t, sb, func(tpl *corev1.PodTemplateSpec) { tpl.Spec.Affinity = zonalAffinity() })
			node := tt.node(t, sb)

			r := runAction(t, sb, map[string]any{"deployment": "web", "targetNode": node})

			actiontesting.MustFail(t, r, action.ExitActionFailed, tt.want)
			sb.ExpectDeploymentUnchanged(t, before, "a refused migration")
		})
	}
}

func TestATargetNodeWhoseTaintThePodsTolerateIsAccepted(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	taint := corev1.Taint{Key: "dedicated", Value: "shop", Effect: corev1.TaintEffectNoSchedule}
	node := newNode(t, sb, "a", nil, taint)
	newDeployment(t, sb, func(tpl *corev1.PodTemplateSpec) {
		tpl.Spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "shop", Effect: corev1.TaintEffectNoSchedule}}
	})

	r := runAction(t, sb, map[string]any{"deployment": "web", "targetNode": node, "waitForRollout": false})

	actiontesting.MustSucceed(t, r)
	if diff := cmp.Diff(hostnameTerms("In", node), r.Outputs["nodeAffinity"]); diff != "" {
		t.Errorf("nodeAffinity (-want +got):\n%s", diff)
	}
}

func TestDryRunReportsTheChangeAndPersistsNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := newNode(t, sb, "a", nil)
	before := newDeployment(t, sb, nil)
	newReadyPod(t, sb, "web-old-1", "old", node)

	r := runAction(t, sb, map[string]any{"deployment": "web", "avoidNode": node, "dryRun": true})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"deployment": "web", "namespace": sb.Namespace,
		"previousConstraint": "", "constraint": HostnameLabel + " NotIn (" + node + ")",
		"previousNodeAffinity": map[string]any{}, "nodeAffinity": hostnameTerms("NotIn", node),
		"previousPlacement": map[string]any{node: 1}, "placement": map[string]any{node: 1},
		"changed": true, "updatedReplicas": 0, "availableReplicas": 0, "dryRun": true,
	}, r)
	sb.ExpectDeploymentUnchanged(t, before, "the dry run")
	if want := "dry run: deployment " + sb.Namespace + "/web would change"; !strings.Contains(r.Stderr, want) {
		t.Errorf("the log does not contain %q:\n%s", want, r.Stderr)
	}
}

func TestTheSameConstraintAgainWritesNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := newNode(t, sb, "a", nil)
	newDeployment(t, sb, func(tpl *corev1.PodTemplateSpec) { tpl.Spec.Affinity = zonalAffinity() })
	actiontesting.MustSucceed(t, runAction(t, sb, map[string]any{"deployment": "web", "avoidNode": node, "waitForRollout": false}))
	before := sb.GetDeployment(t, "web")

	r := runAction(t, sb, map[string]any{"deployment": "web", "avoidNode": node}) // waits for nothing: nothing changed

	actiontesting.MustSucceed(t, r)
	if r.Outputs["changed"] != false || r.Outputs["previousConstraint"] != r.Outputs["constraint"] {
		t.Errorf("outputs = %v, want no change", r.Outputs)
	}
	sb.ExpectDeploymentUnchanged(t, before, "the same constraint again")
}

func TestClearWithoutAConstraintWritesNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newDeployment(t, sb, func(tpl *corev1.PodTemplateSpec) { tpl.Spec.Affinity = zonalAffinity() })

	r := runAction(t, sb, map[string]any{"deployment": "web", "clear": true})

	actiontesting.MustSucceed(t, r)
	if r.Outputs["changed"] != false || r.Outputs["constraint"] != "" {
		t.Errorf("outputs = %v, want no change", r.Outputs)
	}
	sb.ExpectDeploymentUnchanged(t, before, "clear without a constraint")
	if !strings.Contains(r.Stderr, "has no constraint recorded by kubernaut") {
		t.Errorf("the log does not say why nothing changed:\n%s", r.Stderr)
	}
}

func TestPodsLeftOnTheAvoidedNodeAfterTheRolloutFailTheStep(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	sick := newNode(t, sb, "a", nil)
	before := newDeployment(t, sb, nil)
	done := playRollout(t, sb, before.Generation+1, nil, sick, sick) // a scheduler that ignores the constraint

	r := runAction(t, sb, map[string]any{"deployment": "web", "avoidNode": sick}, actiontest.WithContext(kubetest.Context(t)))

	<-done
	actiontesting.MustFail(t, r, action.ExitActionFailed, "the rollout of deployment "+sb.Namespace+"/web is complete, but ready pods still run where "+
		HostnameLabel+" NotIn ("+sick+") does not allow: web-new-a ("+sick+"), web-new-b ("+sick+")")
}

func TestTheWaitGivesUpAfterTimeoutSecondsAndSaysTheConstraintStays(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := newNode(t, sb, "a", nil)
	newDeployment(t, sb, nil)

	r := runAction(t, sb, map[string]any{"deployment": "web", "targetNode": node, "timeoutSeconds": 2})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "gave up waiting for the rollout of deployment "+sb.Namespace+"/web")
	if !strings.Contains(r.Stderr, "the new constraint stays in place") {
		t.Errorf("the failure does not say what was left behind:\n%s", r.Stderr)
	}
}

func TestAMissingDeploymentFailsNamingIt(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)

	r := runAction(t, sb, map[string]any{"deployment": "nope", "avoidNode": "n1"})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "deployment "+sb.Namespace+"/nope not found: check the inputs")
}

func TestTheContractGrantsWhatMigrationNeedsAndNothingElse(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := newNode(t, sb, "a", nil)
	newDeployment(t, sb, nil)
	newReadyPod(t, sb, "web-old-1", "old", node)
	ctx := context.Background()

	_, err := sb.Client.CoreV1().Nodes().Patch(ctx, node, "application/merge-patch+json", []byte(`{"spec":{"unschedulable":true}}`), metav1.PatchOptions{})
	sb.ExpectForbidden(t, err, "cordon the node")
	_, err = sb.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list nodes")
	err = sb.Client.CoreV1().Pods(sb.Namespace).Delete(ctx, "web-old-1", metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete a pod")
	_, err = sb.Client.AppsV1().ReplicaSets(sb.Namespace).List(ctx, metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list ReplicaSets")

	for _, denied := range []struct{ group, verb, resource, subresource string }{
		{"apps", "update", "deployments", ""}, {"apps", "delete", "deployments", ""}, {"apps", "patch", "statefulsets", ""},
		{"", "get", "pods", ""}, {"", "create", "pods", "eviction"}, {"", "patch", "pods", ""}, {"apps", "update", "deployments", "scale"},
	} {
		if sb.Allowed(t, kubetest.Attrs(denied.group, denied.resource, denied.subresource, denied.verb)) {
			t.Errorf("the contract allows %s on %s/%s; it must not", denied.verb, denied.resource, denied.subresource)
		}
	}
	for _, verb := range []string{"patch", "update", "delete", "watch"} {
		if sb.ClusterAllowed(t, kubetest.Attrs("", "nodes", "", verb)) {
			t.Errorf("the contract allows %s on nodes; it must not", verb)
		}
	}
}
