package main

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestUpdateSetsBothBoundsAndKeepsTheMetrics(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newHPA(t, sb, "web", 2, 5)

	r := runAction(t, sb, map[string]any{"hpa": "web", "minReplicas": 4, "maxReplicas": 20})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"hpa": "web", "namespace": sb.Namespace, "target": "Deployment/web",
		"previousMinReplicas": 2, "minReplicas": 4, "previousMaxReplicas": 5, "maxReplicas": 20,
		"currentReplicas": 0, "changed": true, "dryRun": false,
	}, r)
	after := getHPA(t, sb, "web")
	if *after.Spec.MinReplicas != 4 || after.Spec.MaxReplicas != 20 {
		t.Errorf("spec = %d..%d after the action, want 4..20", *after.Spec.MinReplicas, after.Spec.MaxReplicas)
	}
	if len(after.Spec.Metrics) != 1 || *after.Spec.Metrics[0].Resource.Target.AverageUtilization != 70 {
		t.Errorf("the metrics changed: %+v", after.Spec.Metrics)
	}
}

func TestOneBoundIsCheckedAgainstTheOtherAsItIs(t *testing.T) {
	tests := []struct {
		name     string
		unsetMin bool // create the autoscaler without minReplicas
		inputs   map[string]any
		wantErr  string
		wantMin  int32
		wantMax  int32
	}{
		{name: "raising max alone keeps min", inputs: map[string]any{"maxReplicas": 10}, wantMin: 2, wantMax: 10},
		{name: "an unset min counts as 1", unsetMin: true, inputs: map[string]any{"maxReplicas": 1}, wantMin: 1, wantMax: 1},
		{name: "min above the current max is refused", inputs: map[string]any{"minReplicas": 6},
			wantErr: `input "minReplicas" (6) is greater than the maxReplicas (5) of horizontalpodautoscaler`},
		{name: "max below the current min is refused", inputs: map[string]any{"maxReplicas": 1},
			wantErr: `input "maxReplicas" (1) is less than the minReplicas (2) of horizontalpodautoscaler`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := cluster.NewSandbox(t, contractFile)
			minReplicas := int32(2)
			if tt.unsetMin {
				minReplicas = 0
			}
			before := newHPA(t, sb, "web", minReplicas, 5)
			tt.inputs["hpa"] = "web"

			r := runAction(t, sb, tt.inputs)

			after := getHPA(t, sb, "web")
			if tt.wantErr != "" {
				actiontesting.MustFail(t, r, action.ExitActionFailed, tt.wantErr)
				if after.ResourceVersion != before.ResourceVersion {
					t.Errorf("a refused request changed the autoscaler")
				}
				return
			}
			actiontesting.MustSucceed(t, r)
			if got := [2]int32{*after.Spec.MinReplicas, after.Spec.MaxReplicas}; got != [2]int32{tt.wantMin, tt.wantMax} {
				t.Errorf("spec = %v, want %d..%d", got, tt.wantMin, tt.wantMax)
			}
		})
	}
}

func TestDryRunReportsTheChangeAndPersistsNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newHPA(t, sb, "web", 2, 5)

	r := runAction(t, sb, map[string]any{"hpa": "web", "maxReplicas": 8, "dryRun": true})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"hpa": "web", "namespace": sb.Namespace, "target": "Deployment/web",
		"previousMinReplicas": 2, "minReplicas": 2, "previousMaxReplicas": 5, "maxReplicas": 8,
		"currentReplicas": 0, "changed": true, "dryRun": true,
	}, r)
	if after := getHPA(t, sb, "web"); after.ResourceVersion != before.ResourceVersion || after.Spec.MaxReplicas != 5 {
		t.Errorf("the dry run changed the autoscaler: resourceVersion %s -> %s, max %d",
			before.ResourceVersion, after.ResourceVersion, after.Spec.MaxReplicas)
	}
	if !strings.Contains(r.Stderr, "dry run: horizontalpodautoscaler "+sb.Namespace+"/web would go from 2..5 to 2..8 replicas") {
		t.Errorf("the log does not say what would change:\n%s", r.Stderr)
	}
}

func TestTheSameBoundsWriteNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newHPA(t, sb, "web", 2, 5)

	r := runAction(t, sb, map[string]any{"hpa": "web", "minReplicas": 2, "maxReplicas": 5})

	actiontesting.MustSucceed(t, r)
	if r.Outputs["changed"] != false {
		t.Errorf("changed = %v, want false", r.Outputs["changed"])
	}
	if after := getHPA(t, sb, "web"); after.ResourceVersion != before.ResourceVersion {
		t.Errorf("resourceVersion %s -> %s: the action wrote an unchanged autoscaler", before.ResourceVersion, after.ResourceVersion)
	}
}

func TestAMissingAutoscalerFailsNamingIt(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)

	r := runAction(t, sb, map[string]any{"hpa": "nope", "maxReplicas": 3})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "horizontalpodautoscaler "+sb.Namespace+"/nope not found")
}

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newHPA(t, sb, "web", 1, 3)
	actiontesting.EveryInputMode(t, func(t *testing.T, opts ...actiontest.Option) actiontest.Result {
		return runAction(t, sb, map[string]any{"hpa": "web", "maxReplicas": 4, "dryRun": true}, opts...)
	}, func(t *testing.T, r actiontest.Result) {
		if r.Outputs["maxReplicas"] != actiontest.Normalize(t, map[string]any{"v": 4})["v"] {
			t.Errorf("maxReplicas = %v, want 4", r.Outputs["maxReplicas"])
		}
	})
}

func TestInputsTheActionRefusesFailBeforeConnecting(t *testing.T) {
	tests := []struct {
		name   string
		inputs map[string]any
		code   int
		want   string
	}{
		{"no inputs at all", nil, action.ExitInputError, "/hpa: required input is missing"},
		{"a min of zero", map[string]any{"hpa": "web", "minReplicas": 0}, action.ExitInputError, "/minReplicas: must be at least 1"},
		{"a max above the bound", map[string]any{"hpa": "web", "maxReplicas": 1001}, action.ExitInputError, "/maxReplicas: must be at most 1000"},
		{"a misspelt input", map[string]any{"hpa": "web", "max": 3}, action.ExitInputError, "/max: unknown input"},
		{"neither bound", map[string]any{"hpa": "web"}, action.ExitActionFailed, `give at least one of the inputs "minReplicas" and "maxReplicas"`},
		{"min above max", map[string]any{"hpa": "web", "minReplicas": 5, "maxReplicas": 3}, action.ExitActionFailed,
			`input "minReplicas" (5) is greater than input "maxReplicas" (3)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := actiontesting.Run(t, contractFile, updater{kube: actiontesting.NoCluster(t)}.run, tt.inputs)

			actiontesting.MustFail(t, r, tt.code, tt.want)
		})
	}
}

func TestWithoutAContractTheActionChecksTheBoundsItself(t *testing.T) {
	r := actiontest.Run(t, updater{kube: actiontesting.NoCluster(t)}.run, map[string]any{"hpa": "web", "maxReplicas": 0})

	actiontesting.MustFail(t, r, action.ExitActionFailed, `input "maxReplicas" must be between 1 and 1000, got 0`)
}

func TestTheContractGrantsWhatUpdatingNeedsAndNothingElse(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newHPA(t, sb, "web", 1, 3)
	other := cluster.NewSandbox(t, contractFile)
	newHPA(t, other, "web", 1, 3)
	ctx := context.Background()
	hpas := sb.Client.AutoscalingV2().HorizontalPodAutoscalers(sb.Namespace)

	err := hpas.Delete(ctx, "web", metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete the autoscaler")
	_, err = hpas.List(ctx, metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list autoscalers")
	_, err = sb.Client.AutoscalingV2().HorizontalPodAutoscalers(other.Namespace).Get(ctx, "web", metav1.GetOptions{})
	sb.ExpectForbidden(t, err, "read an autoscaler in another namespace")
	_, err = sb.Client.AppsV1().Deployments(sb.Namespace).GetScale(ctx, "web", metav1.GetOptions{})
	sb.ExpectForbidden(t, err, "read the target Deployment's scale")

	for _, denied := range []struct{ verb, resource, subresource string }{
		{"patch", "horizontalpodautoscalers", ""}, {"create", "horizontalpodautoscalers", ""},
		{"update", "horizontalpodautoscalers", "status"}, {"watch", "horizontalpodautoscalers", ""},
	} {
		if sb.Allowed(t, kubetest.Attrs("autoscaling", denied.resource, denied.subresource, denied.verb)) {
			t.Errorf("the contract allows %s on %s/%s; it must not", denied.verb, denied.resource, denied.subresource)
		}
	}
}
