package workflowexecution

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
