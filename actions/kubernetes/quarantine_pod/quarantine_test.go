package main

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/action"
)

func TestQuarantineIsolatesExactlyThePodAndTakesItOutOfItsService(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	pod := newPod(t, sb, "web-1", map[string]string{"app": "web", "tier": "front"})
	newPod(t, sb, "web-2", map[string]string{"app": "web", "tier": "front"})

	r := runAction(t, sb, map[string]any{"pod": "web-1", "removeLabels": []any{"app", "absent"}})

	actiontesting.MustSucceed(t, r)
	uid := string(pod.UID)
	actiontesting.DiffOutputs(t, map[string]any{
		"pod": "web-1", "namespace": sb.Namespace, "networkPolicy": "kubernaut-quarantine-web-1",
		"previousLabels": map[string]any{"app": "web", "tier": "front"},
		"labels":         map[string]any{"tier": "front", quarantinedLabel: "true", quarantineIDLabel: uid},
		"removedLabels":  []any{"app"}, "changed": true, "dryRun": false,
	}, r)
	np := sb.GetNetworkPolicy(t, "kubernaut-quarantine-web-1")
	if np == nil {
		t.Fatal("the NetworkPolicy was not created")
	}
	wantTypes := []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
	if diff := cmp.Diff(wantTypes, np.Spec.PolicyTypes); diff != "" || len(np.Spec.Ingress)+len(np.Spec.Egress) > 0 {
		t.Errorf("the policy must deny all ingress and egress: types (-want +got):\n%s rules: %+v %+v", diff, np.Spec.Ingress, np.Spec.Egress)
	}
	if len(np.OwnerReferences) != 1 || np.OwnerReferences[0].UID != pod.UID {
		t.Errorf("the policy should be owned by the pod, so it goes with it: %+v", np.OwnerReferences)
	}
	selected := selectedPods(t, sb, np)
	if diff := cmp.Diff([]string{"web-1"}, selected); diff != "" {
		t.Errorf("pods the policy selects (-want +got):\n%s", diff)
	}
}

// selectedPods lists the names of the pods in the sandbox that np's pod selector selects.
func selectedPods(t *testing.T, sb *kubetest.Sandbox, np *networkingv1.NetworkPolicy) []string {
	t.Helper()
	sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
	if err != nil || sel.Empty() || sel.String() == labels.Everything().String() {
		t.Fatalf("the policy's selector %v selects everything or is invalid: %v", np.Spec.PodSelector, err)
	}
	pods, err := sb.Admin.CoreV1().Pods(sb.Namespace).List(context.Background(), metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range pods.Items {
		names = append(names, p.Name)
	}
	return names
}

func TestQuarantiningTwiceChangesNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newPod(t, sb, "web-1", map[string]string{"app": "web"})
	actiontesting.MustSucceed(t, runAction(t, sb, map[string]any{"pod": "web-1", "removeLabels": []any{"app"}}))
	before := getPod(t, sb, "web-1")

	r := runAction(t, sb, map[string]any{"pod": "web-1", "removeLabels": []any{"app"}})

	actiontesting.MustSucceed(t, r)
	if r.Outputs["changed"] != false {
		t.Errorf("changed = %v on the second run, want false", r.Outputs["changed"])
	}
	if after := getPod(t, sb, "web-1"); after.ResourceVersion != before.ResourceVersion {
		t.Errorf("resourceVersion %s -> %s: the second run wrote the pod", before.ResourceVersion, after.ResourceVersion)
	}
}

func TestDryRunReportsTheQuarantineAndPersistsNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	pod := newPod(t, sb, "web-1", map[string]string{"app": "web"})

	r := runAction(t, sb, map[string]any{"pod": "web-1", "removeLabels": []any{"app"}, "dryRun": true})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"pod": "web-1", "namespace": sb.Namespace, "networkPolicy": "kubernaut-quarantine-web-1",
		"previousLabels": map[string]any{"app": "web"},
		"labels":         map[string]any{quarantinedLabel: "true", quarantineIDLabel: string(pod.UID)},
		"removedLabels":  []any{"app"}, "changed": true, "dryRun": true,
	}, r)
	if after := getPod(t, sb, "web-1"); after.ResourceVersion != pod.ResourceVersion {
		t.Errorf("the dry run changed the pod: resourceVersion %s -> %s", pod.ResourceVersion, after.ResourceVersion)
	}
	if sb.GetNetworkPolicy(t, "kubernaut-quarantine-web-1") != nil {
		t.Errorf("the dry run created the NetworkPolicy")
	}
}

func TestAForeignPolicyWithTheSameNameIsLeftAloneAndTheActionFails(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newPod(t, sb, "web-1", map[string]string{"app": "web"})
	foreign := &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernaut-quarantine-web-1", Namespace: sb.Namespace},
		Spec:       networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
	}
	if _, err := sb.Admin.NetworkingV1().NetworkPolicies(sb.Namespace).Create(context.Background(), foreign, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	r := runAction(t, sb, map[string]any{"pod": "web-1"})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "networkpolicy "+sb.Namespace+"/kubernaut-quarantine-web-1 exists but is not the deny-all policy for this pod")
	if labels := getPod(t, sb, "web-1").Labels; labels[quarantinedLabel] != "" {
		t.Errorf("the pod was labelled although its isolation failed: %v", labels)
	}
}

func TestTheLabelPatchNamesThePodsUID(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	pod := newPod(t, sb, "web-0", nil)
	pod.UID = types.UID("00000000-0000-0000-0000-000000000000") // as if web-0 had been recreated meanwhile

	_, err := patchLabels(context.Background(), sb.Client, pod, map[string]any{quarantinedLabel: "true"}, false)

	if err == nil {
		t.Fatalf("a label patch for another incarnation of the pod succeeded")
	}
	if labels := getPod(t, sb, "web-0").Labels; labels[quarantinedLabel] != "" {
		t.Errorf("the pod was labelled: %v", labels)
	}
}

func TestAMissingPodFailsNamingIt(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)

	r := runAction(t, sb, map[string]any{"pod": "nope"})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "pod "+sb.Namespace+"/nope not found: check the inputs")
}

func TestTheContractGrantsWhatQuarantineNeedsAndNothingElse(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newPod(t, sb, "web-1", nil)
	other := cluster.NewSandbox(t, contractFile)
	ctx := context.Background()

	err := sb.Client.CoreV1().Pods(sb.Namespace).Delete(ctx, "web-1", metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete the pod")
	err = sb.Client.NetworkingV1().NetworkPolicies(sb.Namespace).Delete(ctx, "any", metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete a NetworkPolicy")
	_, err = sb.Client.NetworkingV1().NetworkPolicies(other.Namespace).Create(ctx, &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "allow-all"},
		Spec:       networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{}}},
	}, metav1.CreateOptions{})
	sb.ExpectForbidden(t, err, "create a NetworkPolicy in another namespace")

	for _, denied := range []struct{ group, verb, resource, subresource string }{
		{"networking.k8s.io", "update", "networkpolicies", ""}, {"networking.k8s.io", "patch", "networkpolicies", ""},
		{"networking.k8s.io", "list", "networkpolicies", ""}, {"", "list", "pods", ""}, {"", "create", "pods", "exec"},
		{"", "patch", "services", ""}, {"", "patch", "pods", "status"},
	} {
		if sb.Allowed(t, kubetest.Attrs(denied.group, denied.resource, denied.subresource, denied.verb)) {
			t.Errorf("the contract allows %s on %s/%s; it must not", denied.verb, denied.resource, denied.subresource)
		}
	}
}
