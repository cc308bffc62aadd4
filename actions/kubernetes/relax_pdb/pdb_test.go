package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// recordedSpec decodes the budget's annotation; nil without one.
func recordedSpec(t *testing.T, pdb *policyv1.PodDisruptionBudget) *policyv1.PodDisruptionBudgetSpec {
	t.Helper()
	raw, ok := pdb.Annotations[PreviousSpecAnnotation]
	if !ok {
		return nil
	}
	var spec policyv1.PodDisruptionBudgetSpec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		t.Fatalf("annotation %s = %q: %v", PreviousSpecAnnotation, raw, err)
	}
	return &spec
}

func TestRelaxSetsTheValueAndRecordsThePreviousSpec(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newPDB(t, sb, minAvailable(intstr.FromInt32(3)))
	before := observe(t, sb, 3, 3, 3)

	r := runAction(t, sb, map[string]any{"pdb": "web", "maxUnavailable": "1"})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"pdb": "web", "namespace": sb.Namespace, "previousMinAvailable": "3", "previousMaxUnavailable": "",
		"minAvailable": "", "maxUnavailable": "1", "previousDisruptionsAllowed": 0, "recorded": true,
		"changed": true, "dryRun": false,
	}, r)
	after := getPDB(t, sb)
	if after.Spec.MinAvailable != nil || after.Spec.MaxUnavailable == nil || *after.Spec.MaxUnavailable != intstr.FromInt32(1) {
		t.Errorf("spec = minAvailable %v, maxUnavailable %v; want only maxUnavailable 1", after.Spec.MinAvailable, after.Spec.MaxUnavailable)
	}
	if diff := cmp.Diff(&before.Spec, recordedSpec(t, after)); diff != "" {
		t.Errorf("the recorded spec is not the one before (-want +got):\n%s", diff)
	}
}

func TestRestorePutsTheRecordedSpecBackAndRemovesTheRecord(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newPDB(t, sb, minAvailable(intstr.FromString("75%")))
	actiontesting.MustSucceed(t, runAction(t, sb, map[string]any{"pdb": "web", "minAvailable": "50%"}))

	r := runAction(t, sb, map[string]any{"pdb": "web", "restore": true})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"pdb": "web", "namespace": sb.Namespace, "previousMinAvailable": "50%", "previousMaxUnavailable": "",
		"minAvailable": "75%", "maxUnavailable": "", "previousDisruptionsAllowed": 0, "recorded": false,
		"changed": true, "dryRun": false,
	}, r)
	after := getPDB(t, sb)
	if after.Spec.MinAvailable == nil || *after.Spec.MinAvailable != intstr.FromString("75%") || after.Spec.MaxUnavailable != nil {
		t.Errorf("spec = minAvailable %v, maxUnavailable %v; want minAvailable 75%% back", after.Spec.MinAvailable, after.Spec.MaxUnavailable)
	}
	if _, ok := after.Annotations[PreviousSpecAnnotation]; ok {
		t.Errorf("the annotation %s is still there after the restore", PreviousSpecAnnotation)
	}
}

func TestASecondRelaxationKeepsTheFirstRecord(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	original := newPDB(t, sb, minAvailable(intstr.FromInt32(4)))
	actiontesting.MustSucceed(t, runAction(t, sb, map[string]any{"pdb": "web", "minAvailable": "3"}))

	r := runAction(t, sb, map[string]any{"pdb": "web", "maxUnavailable": "50%"})

	actiontesting.MustSucceed(t, r)
	if diff := cmp.Diff(&original.Spec, recordedSpec(t, getPDB(t, sb))); diff != "" {
		t.Errorf("the record no longer holds the spec before the first relaxation (-want +got):\n%s", diff)
	}
	actiontesting.MustSucceed(t, runAction(t, sb, map[string]any{"pdb": "web", "restore": true}))
	if after := getPDB(t, sb); after.Spec.MinAvailable == nil || *after.Spec.MinAvailable != intstr.FromInt32(4) || after.Spec.MaxUnavailable != nil {
		t.Errorf("restored spec = minAvailable %v, maxUnavailable %v; want the original minAvailable 4", after.Spec.MinAvailable, after.Spec.MaxUnavailable)
	}
}

func TestRunsThatFindTheWorkDoneWriteNothing(t *testing.T) {
	tests := []struct {
		name   string
		relax  bool // relax to maxUnavailable 1 first
		inputs map[string]any
		want   string
	}{
		{"the same relaxation twice", true, map[string]any{"maxUnavailable": "1"}, "already has maxUnavailable 1; nothing to change"},
		{"a restore of a budget never relaxed", false, map[string]any{"restore": true}, "has no recorded spec (annotation kubernaut.ai/previous-spec); nothing to restore"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := cluster.NewSandbox(t, contractFile)
			newPDB(t, sb, minAvailable(intstr.FromInt32(2)))
			if tt.relax {
				actiontesting.MustSucceed(t, runAction(t, sb, map[string]any{"pdb": "web", "maxUnavailable": "1"}))
			}
			before := getPDB(t, sb)
			tt.inputs["pdb"] = "web"

			r := runAction(t, sb, tt.inputs)

			actiontesting.MustSucceed(t, r)
			if r.Outputs["changed"] != false || r.Outputs["recorded"] != tt.relax {
				t.Errorf("changed = %v, recorded = %v; want false, %t", r.Outputs["changed"], r.Outputs["recorded"], tt.relax)
			}
			if after := getPDB(t, sb); after.ResourceVersion != before.ResourceVersion {
				t.Errorf("resourceVersion %s -> %s: the action wrote a budget it had nothing to do for", before.ResourceVersion, after.ResourceVersion)
			}
			if !strings.Contains(r.Stderr, tt.want) {
				t.Errorf("the log does not say %q:\n%s", tt.want, r.Stderr)
			}
		})
	}
}

func TestDryRunReportsTheChangeAndPersistsNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newPDB(t, sb, maxUnavailable(intstr.FromInt32(1)))

	r := runAction(t, sb, map[string]any{"pdb": "web", "maxUnavailable": "2", "dryRun": true})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"pdb": "web", "namespace": sb.Namespace, "previousMinAvailable": "", "previousMaxUnavailable": "1",
		"minAvailable": "", "maxUnavailable": "2", "previousDisruptionsAllowed": 0, "recorded": true,
		"changed": true, "dryRun": true,
	}, r)
	if after := getPDB(t, sb); after.ResourceVersion != before.ResourceVersion {
		t.Errorf("the dry run changed the budget: resourceVersion %s -> %s", before.ResourceVersion, after.ResourceVersion)
	}
	if !strings.Contains(r.Stderr, "dry run: poddisruptionbudget "+sb.Namespace+`/web would change (minAvailable "" maxUnavailable "1" -> minAvailable "" maxUnavailable "2")`) {
		t.Errorf("the log does not say what would change:\n%s", r.Stderr)
	}
}

func TestAValueThatMakesTheBudgetStricterIsRefused(t *testing.T) {
	tests := []struct {
		name    string
		inputs  map[string]any
		observe bool
		want    string // empty: allowed
	}{
		{"a larger minAvailable", map[string]any{"minAvailable": "3"}, true,
			"minAvailable 3 would make poddisruptionbudget %s/web stricter, not relaxed: of its 4 expected pods, 3 would have to stay healthy instead of 2"},
		{"a smaller maxUnavailable", map[string]any{"maxUnavailable": "1"}, true, "3 would have to stay healthy instead of 2"},
		{"a percentage rounded up to the same count", map[string]any{"maxUnavailable": "26%"}, true, ""},
		{"any value before the controller has observed the budget", map[string]any{"minAvailable": "3"}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := cluster.NewSandbox(t, contractFile)
			newPDB(t, sb, maxUnavailable(intstr.FromInt32(2)))
			if tt.observe {
				observe(t, sb, 4, 4, 2)
			}
			before := getPDB(t, sb)
			tt.inputs["pdb"] = "web"

			r := runAction(t, sb, tt.inputs)

			if tt.want == "" {
				actiontesting.MustSucceed(t, r)
				return
			}
			actiontesting.MustFail(t, r, action.ExitActionFailed, strings.ReplaceAll(tt.want, "%s", sb.Namespace))
			if after := getPDB(t, sb); after.ResourceVersion != before.ResourceVersion {
				t.Errorf("a refused request changed the budget")
			}
		})
	}
}

func TestAMalformedRecordIsRefusedUntouched(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	pdb := newPDB(t, sb, maxUnavailable(intstr.FromInt32(1)))
	pdb.Annotations = map[string]string{PreviousSpecAnnotation: "minAvailable: 2"}
	pdb, err := sb.Admin.PolicyV1().PodDisruptionBudgets(sb.Namespace).Update(context.Background(), pdb, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}

	r := runAction(t, sb, map[string]any{"pdb": "web", "restore": true})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "/web has an annotation kubernaut.ai/previous-spec that is not a recorded spec")
	if after := getPDB(t, sb); after.ResourceVersion != pdb.ResourceVersion {
		t.Errorf("a refused restore changed the budget")
	}
}

func TestAMissingBudgetFailsNamingIt(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)

	r := runAction(t, sb, map[string]any{"pdb": "nope", "maxUnavailable": "1"})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "poddisruptionbudget "+sb.Namespace+"/nope not found: check the inputs")
}

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newPDB(t, sb, minAvailable(intstr.FromInt32(2)))
	actiontesting.EveryInputMode(t, func(t *testing.T, opts ...actiontest.Option) actiontest.Result {
		return runAction(t, sb, map[string]any{"pdb": "web", "minAvailable": "1", "dryRun": true}, opts...)
	}, func(t *testing.T, r actiontest.Result) {
		if r.Outputs["previousMinAvailable"] != "2" || r.Outputs["minAvailable"] != "1" {
			t.Errorf("outputs = %v, want minAvailable 2 -> 1", r.Outputs)
		}
	})
}

func TestInputsTheContractRefusesFailBeforeConnecting(t *testing.T) {
	tests := []actiontesting.Refused{
		{Name: "no inputs at all", Inputs: nil, Want: "/pdb: required input is missing"},
		{Name: "a count as a YAML number", Inputs: map[string]any{"pdb": "web", "maxUnavailable": 1}, Want: "/maxUnavailable"},
		{Name: "a fraction", Inputs: map[string]any{"pdb": "web", "maxUnavailable": "1.5"}, Want: "/maxUnavailable"},
		{Name: "a percentage above 100", Inputs: map[string]any{"pdb": "web", "minAvailable": "150%"}, Want: "/minAvailable"},
		{Name: "a misspelt input", Inputs: map[string]any{"pdb": "web", "maxUnavailble": "1"}, Want: "/maxUnavailble: unknown input"},
	}
	actiontesting.InputsAreRefused(t, func(t *testing.T, inputs map[string]any) actiontest.Result {
		return actiontesting.Run(t, contractFile, relaxer{kube: actiontesting.NoCluster(t)}.run, inputs)
	}, tests)
}

func TestInputsTheActionRefusesFailBeforeConnecting(t *testing.T) {
	tests := []struct {
		name     string
		inputs   map[string]any
		contract bool
		want     string
	}{
		{"both values", map[string]any{"maxUnavailable": "1", "minAvailable": "1"}, true, `give one of the inputs "maxUnavailable" and "minAvailable", not both`},
		{"neither value", map[string]any{}, true, `give one of the inputs "maxUnavailable" and "minAvailable", or "restore": true`},
		{"a restore with a value", map[string]any{"restore": true, "minAvailable": "1"}, true, `input "restore" puts back the recorded spec`},
		{"maxUnavailable 0", map[string]any{"maxUnavailable": "0%"}, true, `input "maxUnavailable" "0%" allows no disruption at all`},
		{"minAvailable 100%", map[string]any{"minAvailable": "100%"}, true, `input "minAvailable" "100%" allows no disruption at all`},
		{"a percentage above 100 without a contract", map[string]any{"minAvailable": "150%"}, false, `input "minAvailable" "150%" is more than 100%`},
		{"a word without a contract", map[string]any{"maxUnavailable": "one"}, false, `input "maxUnavailable" must be a count such as "1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.inputs["pdb"] = "web"
			a := relaxer{kube: actiontesting.NoCluster(t)}
			var r actiontest.Result
			if tt.contract {
				r = actiontesting.Run(t, contractFile, a.run, tt.inputs)
			} else {
				r = actiontest.Run(t, a.run, tt.inputs)
			}

			actiontesting.MustFail(t, r, action.ExitActionFailed, tt.want)
		})
	}
}

func TestTheContractGrantsWhatRelaxingNeedsAndNothingElse(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newPDB(t, sb, minAvailable(intstr.FromInt32(1)))
	other := cluster.NewSandbox(t, contractFile)
	newPDB(t, other, minAvailable(intstr.FromInt32(1)))
	ctx := context.Background()
	budgets := sb.Client.PolicyV1().PodDisruptionBudgets(sb.Namespace)

	err := budgets.Delete(ctx, "web", metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete the budget")
	_, err = budgets.List(ctx, metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list budgets")
	_, err = sb.Client.PolicyV1().PodDisruptionBudgets(other.Namespace).Get(ctx, "web", metav1.GetOptions{})
	sb.ExpectForbidden(t, err, "read a budget in another namespace")
	err = sb.Client.CoreV1().Pods(sb.Namespace).EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: sb.Namespace}})
	sb.ExpectForbidden(t, err, "evict a pod")

	for _, denied := range []struct{ group, verb, resource, subresource string }{
		{"policy", "update", "poddisruptionbudgets", ""}, {"policy", "create", "poddisruptionbudgets", ""},
		{"policy", "watch", "poddisruptionbudgets", ""}, {"policy", "patch", "poddisruptionbudgets", "status"},
		{"", "delete", "pods", ""}, {"", "patch", "nodes", ""},
	} {
		if sb.Allowed(t, kubetest.Attrs(denied.group, denied.resource, denied.subresource, denied.verb)) {
			t.Errorf("the contract allows %s on %s/%s; it must not", denied.verb, denied.resource, denied.subresource)
		}
	}
}
