package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

func TestRenderWorkflow_showsEveryStepInSpecOrderWithSignerAndOutputs(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *metav1.Time { t := metav1.NewTime(t0.Add(d)); return &t }
	wfe := &workflowv1alpha1.WorkflowExecution{
		ObjectMeta: metav1.ObjectMeta{Namespace: "demo", Name: "remediate"},
		Spec: workflowv1alpha1.WorkflowExecutionSpec{Steps: []workflowv1alpha1.WorkflowStep{
			{Name: "diagnose"}, {Name: "scale"}, {Name: "notify"},
		}},
		Status: workflowv1alpha1.WorkflowExecutionStatus{
			Phase: workflowv1alpha1.WorkflowFailed, Engine: workflowv1alpha1.EngineJobs, Progress: "1/3",
			StartTime: at(0), CompletionTime: at(9 * time.Second),
			Conditions: []metav1.Condition{{Type: workflowv1alpha1.ReadyCondition, Status: metav1.ConditionFalse,
				Reason: workflowv1alpha1.StepFailedReason, Message: `step "scale" failed`}},
			Steps: []workflowv1alpha1.StepStatus{
				{Name: "scale", Phase: workflowv1alpha1.StepFailed, Reason: "JobFailed", Attempts: 2,
					StartTime: at(2 * time.Second), CompletionTime: at(8 * time.Second), Message: "the action exited with code 1"},
				{Name: "diagnose", Phase: workflowv1alpha1.StepCompleted, Reason: "Succeeded", Attempts: 1,
					StartTime: at(0), CompletionTime: at(1500 * time.Millisecond),
					Signer:  &executionv1alpha1.Signer{Format: executionv1alpha1.SignatureFormatBundle, KeyID: "abcdefghijklmnopqrstuvwxyz"},
					Outputs: &runtime.RawExtension{Raw: []byte(`{"podCount":2, "path":"/workspace/diagnostics"}`)}},
			},
		},
	}
	var out strings.Builder
	renderWorkflow(&out, wfe, t0.Add(time.Minute))
	want := `WorkflowExecution demo/remediate: Failed (engine jobs, steps 1/3, 9s)
  StepFailed: step "scale" failed
STEP      PHASE      REASON     ATTEMPTS  DURATION  SIGNER                     OUTPUTS
diagnose  Completed  Succeeded  1         1.5s      key abcdefghijk… (bundle)  {"podCount":2, "path":"/workspace/diagnostics"}
scale     Failed     JobFailed  2         6s        -                          -
notify    -          -          0         -         -                          -
  scale failed: the action exited with code 1
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
}
