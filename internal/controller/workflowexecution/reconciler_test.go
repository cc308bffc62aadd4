package workflowexecution

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/settings"
)

// fakeEngine reports a fixed outcome and counts its calls.
type fakeEngine struct {
	progress Progress
	err      error
	runs     int
	releases int
}

func (e *fakeEngine) Run(context.Context, *workflowv1alpha1.WorkflowExecution, settings.Settings) (Progress, error) {
	e.runs++
	return e.progress, e.err
}

func (e *fakeEngine) Release(context.Context, *workflowv1alpha1.WorkflowExecution) error {
	e.releases++
	return nil
}

// TestReconciler_Reconcile checks the engine-independent policy against a fake engine: how an
// engine's outcome becomes the phase, Ready, observedGeneration, the requeue and the workspace
// release, and that every outcome leaves the conditions consistent with the phase.
func TestReconciler_Reconcile(t *testing.T) {
	for _, tc := range []struct {
		name        string
		engine      fakeEngine
		wantPhase   workflowv1alpha1.WorkflowPhase
		wantReady   metav1.ConditionStatus
		wantReason  string
		wantErr     bool
		wantRequeue time.Duration
		wantRelease int
	}{{
		name:      "a running workflow is Running with Ready Unknown and requeued for its timer",
		engine:    fakeEngine{progress: Progress{Phase: workflowv1alpha1.WorkflowRunning, Reason: workflowv1alpha1.RunningReason, Message: "1/2", RequeueAfter: time.Minute}},
		wantPhase: workflowv1alpha1.WorkflowRunning, wantReady: metav1.ConditionUnknown, wantReason: workflowv1alpha1.RunningReason,
		wantRequeue: time.Minute,
	}, {
		name:      "a completed workflow is Ready and releases its workspace in the same reconcile",
		engine:    fakeEngine{progress: Progress{Phase: workflowv1alpha1.WorkflowCompleted, Reason: workflowv1alpha1.SucceededReason, Message: "done"}},
		wantPhase: workflowv1alpha1.WorkflowCompleted, wantReady: metav1.ConditionTrue, wantReason: workflowv1alpha1.SucceededReason,
		wantRelease: 1, wantRequeue: settings.Defaults().WorkflowRetention,
	}, {
		name: "a failed workflow names its reason on Ready and is looked at again only when its retention ends",
		engine: fakeEngine{progress: Progress{Phase: workflowv1alpha1.WorkflowFailed, Reason: workflowv1alpha1.StepFailedReason,
			Message: "Step a failed", FailedStep: "a", RequeueAfter: time.Minute}},
		wantPhase: workflowv1alpha1.WorkflowFailed, wantReady: metav1.ConditionFalse, wantReason: workflowv1alpha1.StepFailedReason,
		wantRelease: 1, wantRequeue: settings.Defaults().WorkflowRetention,
	}, {
		name:      "a transient engine error keeps the phase, says what is retried and returns the error",
		engine:    fakeEngine{err: errors.New("the API server is unavailable")},
		wantPhase: workflowv1alpha1.WorkflowPending, wantReady: metav1.ConditionUnknown, wantReason: workflowv1alpha1.PendingReason,
		wantErr: true,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			obj := &workflowv1alpha1.WorkflowExecution{
				ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "wf", Generation: 1},
				Spec: workflowv1alpha1.WorkflowExecutionSpec{Steps: []workflowv1alpha1.WorkflowStep{
					{Name: "a", ActionType: "test/scale"}, {Name: "b", ActionType: "test/scale", RunAfter: []string{"a"}},
				}},
			}
			r, c := newFakeReconciler(t, &tc.engine, obj)
			res, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(obj)})
			if (err != nil) != tc.wantErr {
				t.Fatalf("Reconcile error = %v, want error: %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(ctrl.Result{RequeueAfter: tc.wantRequeue}, res); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			got := &workflowv1alpha1.WorkflowExecution{}
			if err := c.Get(context.Background(), client.ObjectKeyFromObject(obj), got); err != nil {
				t.Fatal(err)
			}
			ready := apimeta.FindStatusCondition(got.Status.Conditions, workflowv1alpha1.ReadyCondition)
			if got.Status.Phase != tc.wantPhase || ready == nil || ready.Status != tc.wantReady || ready.Reason != tc.wantReason {
				t.Errorf("phase %q, Ready %+v; want %q, %s/%s", got.Status.Phase, ready, tc.wantPhase, tc.wantReady, tc.wantReason)
			}
			if stamped := got.Status.ObservedGeneration == 1; stamped == tc.wantErr {
				t.Errorf("observedGeneration = %d after error %v: stamped only when the status describes the generation", got.Status.ObservedGeneration, err)
			}
			if tc.engine.releases != tc.wantRelease {
				t.Errorf("Release called %d times, want %d", tc.engine.releases, tc.wantRelease)
			}
			assertConditionInvariants(t, got)
		})
	}
}

// assertConditionInvariants checks what must hold after every reconcile: Ready is True exactly
// when the workflow Completed, False exactly when it failed or was cancelled, and a finished
// workflow has a completion time.
func assertConditionInvariants(t *testing.T, obj *workflowv1alpha1.WorkflowExecution) {
	t.Helper()
	ready := apimeta.FindStatusCondition(obj.Status.Conditions, workflowv1alpha1.ReadyCondition)
	want := metav1.ConditionUnknown
	switch obj.Status.Phase {
	case workflowv1alpha1.WorkflowCompleted:
		want = metav1.ConditionTrue
	case workflowv1alpha1.WorkflowFailed, workflowv1alpha1.WorkflowCancelled:
		want = metav1.ConditionFalse
	}
	if ready == nil || ready.Status != want {
		t.Errorf("phase %s with Ready %+v, want Ready %s", obj.Status.Phase, ready, want)
	}
	if obj.Status.Phase.IsFinished() != (obj.Status.CompletionTime != nil) {
		t.Errorf("phase %s with completionTime %v", obj.Status.Phase, obj.Status.CompletionTime)
	}
}

// newFakeReconciler builds a reconciler on the controller-runtime fake client holding objs, with
// engine as its only (jobs) engine.
func newFakeReconciler(t *testing.T, engine Engine, objs ...client.Object) (*Reconciler, client.Client) {
	t.Helper()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, workflowv1alpha1.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).
		WithStatusSubresource(&workflowv1alpha1.WorkflowExecution{}).Build()
	return &Reconciler{
		Client:   c,
		Settings: settings.NewStore(settings.Defaults()),
		Engines:  map[workflowv1alpha1.Engine]Engine{workflowv1alpha1.EngineJobs: engine},
		Clock:    clocktesting.NewFakeClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)),
		Recorder: events.NewFakeRecorder(100),
	}, c
}
