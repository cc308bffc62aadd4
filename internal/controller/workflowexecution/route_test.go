package workflowexecution

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/settings"
)

func TestRoute(t *testing.T) {
	jobsOnly := func(e workflowv1alpha1.Engine) bool { return e == workflowv1alpha1.EngineJobs }
	both := func(workflowv1alpha1.Engine) bool { return true }
	tektonEnabled := settings.Defaults()
	tektonEnabled.Tekton.Enabled = true
	for _, tc := range []struct {
		name       string
		annotation string
		settings   settings.Settings
		available  func(workflowv1alpha1.Engine) bool
		want       routing
	}{{
		name: "without annotation or tekton.enabled the default engine jobs runs it", settings: settings.Defaults(), available: both,
		want: routing{engine: workflowv1alpha1.EngineJobs, reason: workflowv1alpha1.EngineDefaultReason},
	}, {
		name: "the jobs annotation chooses jobs even when tekton is enabled", annotation: "jobs", settings: tektonEnabled, available: both,
		want: routing{engine: workflowv1alpha1.EngineJobs, reason: workflowv1alpha1.EngineAnnotationReason},
	}, {
		name: "the tekton annotation chooses tekton when it is available", annotation: "tekton", settings: settings.Defaults(), available: both,
		want: routing{engine: workflowv1alpha1.EngineTekton, reason: workflowv1alpha1.EngineAnnotationReason},
	}, {
		name: "the tekton annotation fails the workflow when tekton is not available", annotation: "tekton", settings: settings.Defaults(), available: jobsOnly,
		want: routing{refused: true, reason: workflowv1alpha1.EngineTektonUnavailableReason},
	}, {
		name: "tekton.enabled chooses tekton when it is available", settings: tektonEnabled, available: both,
		want: routing{engine: workflowv1alpha1.EngineTekton, reason: workflowv1alpha1.EngineDefaultReason},
	}, {
		name: "tekton.enabled falls back to jobs when tekton is not available", settings: tektonEnabled, available: jobsOnly,
		want: routing{engine: workflowv1alpha1.EngineJobs, reason: workflowv1alpha1.EngineTektonUnavailableReason},
	}, {
		name: "an unknown annotation value is ignored and the default applies", annotation: "argo", settings: settings.Defaults(), available: both,
		want: routing{engine: workflowv1alpha1.EngineJobs, reason: workflowv1alpha1.EngineDefaultReason},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			obj := &workflowv1alpha1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Name: "wf"}}
			if tc.annotation != "" {
				obj.Annotations = map[string]string{workflowv1alpha1.EngineAnnotation: tc.annotation}
			}
			got := route(obj, tc.settings, tc.available)
			if got.message == "" {
				t.Error("the decision carries no message")
			}
			got.message = ""
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(routing{})); diff != "" {
				t.Errorf("routing (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRouteRules(t *testing.T) {
	both := func(workflowv1alpha1.Engine) bool { return true }
	rules := func(edit func(*settings.TektonSettings)) settings.Settings {
		s := settings.Defaults()
		s.Tekton.Enabled = true
		edit(&s.Tekton)
		return s
	}
	workflow := func(workflowType string, steps int, uid types.UID) *workflowv1alpha1.WorkflowExecution {
		obj := &workflowv1alpha1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{Name: "wf", UID: uid}}
		obj.Spec.WorkflowType = workflowType
		obj.Spec.Steps = make([]workflowv1alpha1.WorkflowStep, steps)
		return obj
	}
	for _, tc := range []struct {
		name     string
		obj      *workflowv1alpha1.WorkflowExecution
		settings settings.Settings
		want     routing
	}{{
		name: "a listed workflowType routes to tekton", obj: workflow("gitops-pr-creation", 4, "u"),
		settings: rules(func(t *settings.TektonSettings) { t.WorkflowTypes = []string{"gitops-pr-creation"} }),
		want:     routing{engine: workflowv1alpha1.EngineTekton, reason: workflowv1alpha1.EngineWorkflowTypeReason},
	}, {
		name: "an unlisted workflowType stays on jobs when it is the only rule", obj: workflow("scale", 4, "u"),
		settings: rules(func(t *settings.TektonSettings) { t.WorkflowTypes = []string{"gitops-pr-creation"} }),
		want:     routing{engine: workflowv1alpha1.EngineJobs, reason: workflowv1alpha1.EngineDefaultReason},
	}, {
		name: "more steps than minSteps routes to tekton", obj: workflow("", 4, "u"),
		settings: rules(func(t *settings.TektonSettings) { t.MinSteps = 3 }),
		want:     routing{engine: workflowv1alpha1.EngineTekton, reason: workflowv1alpha1.EngineMinStepsReason},
	}, {
		name: "exactly minSteps steps stays on jobs", obj: workflow("", 3, "u"),
		settings: rules(func(t *settings.TektonSettings) { t.MinSteps = 3 }),
		want:     routing{engine: workflowv1alpha1.EngineJobs, reason: workflowv1alpha1.EngineDefaultReason},
	}, {
		name: "percent 100 routes every workflow to tekton", obj: workflow("", 1, "any-uid"),
		settings: rules(func(t *settings.TektonSettings) { t.Percent = 100 }),
		want:     routing{engine: workflowv1alpha1.EngineTekton, reason: workflowv1alpha1.EnginePercentReason},
	}, {
		name: "the workflowType rule wins over the others when several match", obj: workflow("gitops-pr-creation", 9, "u"),
		settings: rules(func(t *settings.TektonSettings) {
			t.WorkflowTypes = []string{"gitops-pr-creation"}
			t.MinSteps = 1
			t.Percent = 100
		}),
		want: routing{engine: workflowv1alpha1.EngineTekton, reason: workflowv1alpha1.EngineWorkflowTypeReason},
	}, {
		name: "rules are ignored while tekton.enabled is false", obj: workflow("gitops-pr-creation", 9, "u"),
		settings: func() settings.Settings {
			s := rules(func(t *settings.TektonSettings) { t.WorkflowTypes = []string{"gitops-pr-creation"} })
			s.Tekton.Enabled = false
			return s
		}(),
		want: routing{engine: workflowv1alpha1.EngineJobs, reason: workflowv1alpha1.EngineDefaultReason},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got := route(tc.obj, tc.settings, both)
			if got.message == "" {
				t.Error("the decision carries no message")
			}
			got.message = ""
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(routing{})); diff != "" {
				t.Errorf("routing (-want +got):\n%s", diff)
			}
		})
	}
}

// The percent rule must be a stable rollout: the same UID always lands in the same bucket, and
// raising the percent only ever adds workflows to Tekton.
func TestRoutePercentIsAStableMonotonicRollout(t *testing.T) {
	both := func(workflowv1alpha1.Engine) bool { return true }
	onTekton := func(uid types.UID, percent int) bool {
		s := settings.Defaults()
		// Another, unmatched rule keeps percent 0 from meaning "no rule: everything to tekton".
		s.Tekton.Enabled, s.Tekton.Percent, s.Tekton.WorkflowTypes = true, percent, []string{"other"}
		obj := &workflowv1alpha1.WorkflowExecution{ObjectMeta: metav1.ObjectMeta{UID: uid}}
		return route(obj, s, both).engine == workflowv1alpha1.EngineTekton
	}
	tekton := map[int]int{}
	for i := range 2000 {
		uid := types.UID(fmt.Sprintf("0b6c1f4e-%04d-4c1a-9d0e-5a7f3c2b1e%02d", i, i%100))
		for percent := 0; percent <= 100; percent += 10 {
			if onTekton(uid, percent) != onTekton(uid, percent) {
				t.Fatalf("uid %s: two decisions at %d%% differ", uid, percent)
			}
			if percent > 0 && onTekton(uid, percent-10) && !onTekton(uid, percent) {
				t.Fatalf("uid %s: on tekton at %d%% but not at %d%%", uid, percent-10, percent)
			}
			if onTekton(uid, percent) {
				tekton[percent]++
			}
		}
	}
	if tekton[0] != 0 || tekton[100] != 2000 {
		t.Errorf("0%% routed %d and 100%% routed %d of 2000 workflows, want 0 and 2000", tekton[0], tekton[100])
	}
	if got := tekton[50]; got < 850 || got > 1150 {
		t.Errorf("50%% routed %d of 2000 workflows, want about 1000", got)
	}
}
