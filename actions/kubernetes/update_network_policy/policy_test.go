package main

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// allowMonitoring is a spec as a workflow gives it: pods app=api accept TCP 9090 from the
// namespace team=monitoring, and may reach DNS.
func allowMonitoring() map[string]any {
	return map[string]any{
		"podSelector": map[string]any{"matchLabels": map[string]any{"app": "api"}},
		"ingress": []any{map[string]any{
			"from":  []any{map[string]any{"namespaceSelector": map[string]any{"matchLabels": map[string]any{"team": "monitoring"}}}},
			"ports": []any{map[string]any{"port": 9090}},
		}},
		"egress":      []any{map[string]any{"ports": []any{map[string]any{"port": 53, "protocol": "UDP"}}}},
		"policyTypes": []any{"Ingress", "Egress"},
	}
}

func TestAMissingPolicyIsCreatedWithTheSpec(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)

	r := runAction(t, sb, map[string]any{"networkPolicy": "api", "spec": allowMonitoring()})

	actiontesting.MustSucceed(t, r)
	np := sb.GetNetworkPolicy(t, "api")
	if np == nil {
		t.Fatal("the policy was not created")
	}
	actiontesting.DiffOutputs(t, map[string]any{
		"networkPolicy": "api", "namespace": sb.Namespace, "created": true, "changed": true,
		"previousSpecHash": "", "specHash": specHash(np.Spec), "previousPolicyTypes": []any{},
		"policyTypes": []any{"Ingress", "Egress"}, "dryRun": false,
	}, r)
	if got := np.Spec.Ingress[0].Ports[0]; got.Port.IntValue() != 9090 || *got.Protocol != "TCP" {
		t.Errorf("ingress port = %v/%v, want 9090/TCP (the protocol defaulted by the API server)", got.Port, *got.Protocol)
	}
	if np.Labels["app.kubernetes.io/managed-by"] != "kubernaut" {
		t.Errorf("labels = %v, want app.kubernetes.io/managed-by=kubernaut", np.Labels)
	}
}

func TestReplaceSetsTheWholeSpec(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newPolicy(t, sb, allowFrontend())
	spec := map[string]any{"podSelector": map[string]any{"matchLabels": map[string]any{"app": "api"}}, "policyTypes": []any{"Ingress"}}

	r := runAction(t, sb, map[string]any{"networkPolicy": "api", "spec": spec})

	actiontesting.MustSucceed(t, r)
	after := sb.GetNetworkPolicy(t, "api")
	actiontesting.DiffOutputs(t, map[string]any{
		"networkPolicy": "api", "namespace": sb.Namespace, "created": false, "changed": true,
		"previousSpecHash": specHash(before.Spec), "specHash": specHash(after.Spec), "previousPolicyTypes": []any{"Ingress"},
		"policyTypes": []any{"Ingress"}, "dryRun": false,
	}, r)
	if len(after.Spec.Ingress) != 0 {
		t.Errorf("ingress = %+v; replace must drop the rules the input does not give (deny all ingress)", after.Spec.Ingress)
	}
}

func TestMergeChangesOnlyTheFieldsGiven(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newPolicy(t, sb, allowFrontend())
	spec := map[string]any{
		"egress":      []any{map[string]any{"ports": []any{map[string]any{"port": 53, "protocol": "UDP"}}}},
		"policyTypes": []any{"Ingress", "Egress"},
	}

	r := runAction(t, sb, map[string]any{"networkPolicy": "api", "spec": spec, "mode": "merge"})

	actiontesting.MustSucceed(t, r)
	after := sb.GetNetworkPolicy(t, "api")
	if diff := cmp.Diff(before.Spec.Ingress, after.Spec.Ingress); diff != "" {
		t.Errorf("merge changed the ingress rules it was not given (-before +after):\n%s", diff)
	}
	if len(after.Spec.Egress) != 1 || after.Spec.Egress[0].Ports[0].Port.IntValue() != 53 {
		t.Errorf("egress = %+v, want the DNS rule", after.Spec.Egress)
	}
	if diff := cmp.Diff([]any{"Ingress", "Egress"}, r.Outputs["policyTypes"]); diff != "" {
		t.Errorf("policyTypes (-want +got):\n%s", diff)
	}
	if r.Outputs["specHash"] != specHash(after.Spec) || r.Outputs["previousSpecHash"] != specHash(before.Spec) {
		t.Errorf("hashes %v -> %v do not match the stored specs", r.Outputs["previousSpecHash"], r.Outputs["specHash"])
	}
}

func TestTheSameSpecWritesNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newPolicy(t, sb, allowFrontend())
	// The stored spec as the workflow would give it, without the defaults (protocol, policyTypes).
	spec := map[string]any{
		"podSelector": map[string]any{"matchLabels": map[string]any{"app": "api"}},
		"ingress": []any{map[string]any{
			"from":  []any{map[string]any{"podSelector": map[string]any{"matchLabels": map[string]any{"app": "frontend"}}}},
			"ports": []any{map[string]any{"port": 8080}},
		}},
	}

	r := runAction(t, sb, map[string]any{"networkPolicy": "api", "spec": spec})

	actiontesting.MustSucceed(t, r)
	if r.Outputs["changed"] != false || r.Outputs["specHash"] != r.Outputs["previousSpecHash"] {
		t.Errorf("outputs = %v, want changed false and equal hashes", r.Outputs)
	}
	if after := sb.GetNetworkPolicy(t, "api"); after.ResourceVersion != before.ResourceVersion {
		t.Errorf("resourceVersion %s -> %s: the action wrote an unchanged policy", before.ResourceVersion, after.ResourceVersion)
	}
}

func TestDryRunReportsTheChangeAndPersistsNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newPolicy(t, sb, allowFrontend())

	r := runAction(t, sb, map[string]any{"networkPolicy": "api", "spec": allowMonitoring(), "dryRun": true})

	actiontesting.MustSucceed(t, r)
	if after := sb.GetNetworkPolicy(t, "api"); after.ResourceVersion != before.ResourceVersion {
		t.Errorf("the dry run changed the policy: resourceVersion %s -> %s", before.ResourceVersion, after.ResourceVersion)
	}
	if r.Outputs["changed"] != true || r.Outputs["specHash"] == specHash(before.Spec) || r.Outputs["dryRun"] != true {
		t.Errorf("outputs = %v, want the change that would happen", r.Outputs)
	}
	if !strings.Contains(r.Stderr, "dry run: the spec of networkpolicy "+sb.Namespace+"/api would change (replace)") {
		t.Errorf("the log does not say what would change:\n%s", r.Stderr)
	}

	r = runAction(t, sb, map[string]any{"networkPolicy": "new", "spec": allowMonitoring(), "dryRun": true})

	actiontesting.MustSucceed(t, r)
	if r.Outputs["created"] != true || sb.GetNetworkPolicy(t, "new") != nil {
		t.Errorf("a dry-run creation: created = %v, and the policy exists = %t", r.Outputs["created"], sb.GetNetworkPolicy(t, "new") != nil)
	}
}

func TestTheAPIServerValidatesTheSpec(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newPolicy(t, sb, allowFrontend())
	spec := allowMonitoring()
	spec["policyTypes"] = []any{"Sideways"}

	for _, dryRun := range []bool{true, false} {
		r := runAction(t, sb, map[string]any{"networkPolicy": "api", "spec": spec, "dryRun": dryRun})

		actiontesting.MustFail(t, r, action.ExitActionFailed, "patch networkpolicy "+sb.Namespace+"/api: ")
		if !strings.Contains(r.Stderr, "Sideways") {
			t.Errorf("the API server's reason is not in the message:\n%s", r.Stderr)
		}
	}
	if after := sb.GetNetworkPolicy(t, "api"); after.ResourceVersion != before.ResourceVersion {
		t.Errorf("an invalid spec changed the policy")
	}
}

func TestWhatTheActionWillNotDoIsRefusedUntouched(t *testing.T) {
	quarantine := allowFrontend()
	quarantine.Labels = map[string]string{quarantineIDLabel: "0c9a"}
	tests := []struct {
		name   string
		policy *networkingv1.NetworkPolicy // nil: none exists
		inputs map[string]any
		want   string
	}{
		{"a quarantine policy", quarantine, map[string]any{"spec": allowMonitoring()},
			"/api isolates a quarantined pod (label kubernaut.ai/quarantine-id)"},
		{"a creation by merge without podSelector", nil, map[string]any{"spec": map[string]any{"policyTypes": []any{"Egress"}}, "mode": "merge"},
			"/api does not exist, and creating it needs spec.podSelector"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := cluster.NewSandbox(t, contractFile)
			var before *networkingv1.NetworkPolicy
			if tt.policy != nil {
				before = newPolicy(t, sb, tt.policy)
			}
			tt.inputs["networkPolicy"] = "api"

			r := runAction(t, sb, tt.inputs)

			actiontesting.MustFail(t, r, action.ExitActionFailed, tt.want)
			after := sb.GetNetworkPolicy(t, "api")
			if (before == nil) != (after == nil) || before != nil && after.ResourceVersion != before.ResourceVersion {
				t.Errorf("a refused request changed or created the policy")
			}
		})
	}
}

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newPolicy(t, sb, allowFrontend())
	actiontesting.EveryInputMode(t, func(t *testing.T, opts ...actiontest.Option) actiontest.Result {
		return runAction(t, sb, map[string]any{"networkPolicy": "api", "spec": allowMonitoring(), "mode": "merge", "dryRun": true}, opts...)
	}, func(t *testing.T, r actiontest.Result) {
		if diff := cmp.Diff([]any{"Ingress", "Egress"}, r.Outputs["policyTypes"]); diff != "" {
			t.Errorf("policyTypes (-want +got):\n%s", diff)
		}
	})
}

func TestInputsTheContractRefusesFailBeforeConnecting(t *testing.T) {
	tests := []actiontesting.Refused{
		{Name: "no inputs at all", Inputs: nil, Want: "/networkPolicy: required input is missing"},
		{Name: "no spec", Inputs: map[string]any{"networkPolicy": "api"}, Want: "/spec: required input is missing"},
		{Name: "a spec that is no object", Inputs: map[string]any{"networkPolicy": "api", "spec": "deny all"}, Want: "/spec"},
		{Name: "an unknown mode", Inputs: map[string]any{"networkPolicy": "api", "spec": allowMonitoring(), "mode": "apply"}, Want: "/mode"},
	}
	actiontesting.InputsAreRefused(t, func(t *testing.T, inputs map[string]any) actiontest.Result {
		return actiontesting.Run(t, contractFile, policyUpdater{kube: actiontesting.NoCluster(t)}.run, inputs)
	}, tests)
}

func TestSpecsTheActionRefusesFailBeforeConnecting(t *testing.T) {
	misspelt := allowMonitoring()
	misspelt["ingres"] = misspelt["ingress"]
	nested := allowMonitoring()
	nested["egress"] = []any{map[string]any{"port": 53}}
	tests := []struct {
		name   string
		inputs map[string]any
		want   string
	}{
		{"an empty spec", map[string]any{"spec": map[string]any{}}, `input "spec" is empty`},
		{"a misspelt field", map[string]any{"spec": misspelt}, `input "spec" is not a NetworkPolicy spec (networking.k8s.io/v1): json: unknown field "ingres"`},
		{"a misspelt nested field", map[string]any{"spec": nested}, `unknown field "port"`},
		{"a replacement without podSelector", map[string]any{"spec": map[string]any{"policyTypes": []any{"Ingress"}}},
			`input "spec" has no podSelector; mode replace sets the whole spec`},
		{"a merge that removes podSelector", map[string]any{"spec": map[string]any{"podSelector": nil}, "mode": "merge"},
			`input "spec" sets podSelector to null`},
		{"a wrong type inside the spec", map[string]any{"spec": map[string]any{"podSelector": map[string]any{}, "ingress": "all"}},
			`input "spec" is not a NetworkPolicy spec`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.inputs["networkPolicy"] = "api"

			r := actiontesting.Run(t, contractFile, policyUpdater{kube: actiontesting.NoCluster(t)}.run, tt.inputs)

			actiontesting.MustFail(t, r, action.ExitActionFailed, tt.want)
		})
	}
}

func TestTheContractGrantsWhatUpdatingNeedsAndNothingElse(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newPolicy(t, sb, allowFrontend())
	other := cluster.NewSandbox(t, contractFile)
	newPolicy(t, other, allowFrontend())
	ctx := context.Background()
	policies := sb.Client.NetworkingV1().NetworkPolicies(sb.Namespace)

	err := policies.Delete(ctx, "api", metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete the policy")
	_, err = policies.List(ctx, metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list policies")
	_, err = sb.Client.NetworkingV1().NetworkPolicies(other.Namespace).Get(ctx, "api", metav1.GetOptions{})
	sb.ExpectForbidden(t, err, "read a policy in another namespace")
	_, err = sb.Client.CoreV1().Pods(sb.Namespace).List(ctx, metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list pods")

	for _, denied := range []struct{ group, verb, resource string }{
		{"networking.k8s.io", "update", "networkpolicies"}, {"networking.k8s.io", "watch", "networkpolicies"},
		{"networking.k8s.io", "deletecollection", "networkpolicies"}, {"networking.k8s.io", "patch", "ingresses"},
		{"", "patch", "pods"}, {"", "patch", "services"},
	} {
		if sb.Allowed(t, kubetest.Attrs(denied.group, denied.resource, "", denied.verb)) {
			t.Errorf("the contract allows %s on %s; it must not", denied.verb, denied.resource)
		}
	}
}
