package workflowexecution

import (
	"context"
	"fmt"
	"time"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/settings"
	"github.com/kubernaut/kubernaut/internal/tekton"
)

// TektonEngine runs a workflow as one Tekton PipelineRun (DESIGN D7). Before the PipelineRun
// exists, every step's image is verified and prepared by the ActionExecution controller, with
// the same code as on the Job engine: one ActionExecution per step with spec.engine tekton,
// which verifies, loads the contract, checks the inputs, creates the contract's RBAC and then
// stops at phase Prepared instead of creating a Job. A refused step fails the workflow with the
// same reason as on the Job engine, and no PipelineRun is created. Tekton then runs the DAG,
// retries, timeouts and the workspace; Run maps its TaskRuns back into the same step status.
type TektonEngine struct {
	// Client reads through the manager's cache (ActionExecutions, PipelineRuns and TaskRuns
	// labelled as Kubernaut's) and writes to the API server.
	Client client.Client
	// APIReader reads past the cache: after AlreadyExists, and the workspace claim Tekton made.
	APIReader client.Reader
	// Clock stamps times of steps that no TaskRun reports (skipped, cancelled before start).
	Clock clock.PassiveClock
}

var _ Engine = (*TektonEngine)(nil)

// Run implements Engine. Until the PipelineRun exists, it prepares the steps; afterwards it only
// observes the PipelineRun and its TaskRuns, and asks Tekton to cancel when spec.cancel is set.
func (e *TektonEngine) Run(ctx context.Context, obj *workflowv1alpha1.WorkflowExecution, s settings.Settings) (Progress, error) {
	initSteps(obj)
	now := e.Clock.Now()
	pr, err := e.pipelineRun(ctx, obj)
	if err != nil {
		return Progress{}, err
	}
	if pr == nil {
		return e.prepare(ctx, obj, s, now)
	}
	if obj.Spec.Cancel && !pr.IsDone() && !pr.IsCancelled() {
		if err := e.cancel(ctx, pr); err != nil {
			return Progress{}, err
		}
	}
	taskRuns, err := e.taskRuns(ctx, pr)
	if err != nil {
		return Progress{}, err
	}
	return e.observe(obj, pr, taskRuns, now), nil
}

// pipelineRunName is the deterministic name of a workflow's PipelineRun: the workflow's own, so
// that `kubectl get pipelinerun <workflow>` finds it and a restarted controller never makes two.
func pipelineRunName(obj *workflowv1alpha1.WorkflowExecution) string { return obj.Name }

// pipelineRun reads the workflow's PipelineRun from the cache; nil when it does not exist yet.
// A PipelineRun under that name that the workflow does not control is never used.
func (e *TektonEngine) pipelineRun(ctx context.Context, obj *workflowv1alpha1.WorkflowExecution) (*pipelinev1.PipelineRun, error) {
	pr := &pipelinev1.PipelineRun{}
	key := client.ObjectKey{Namespace: obj.Namespace, Name: pipelineRunName(obj)}
	switch err := e.Client.Get(ctx, key, pr); {
	case apierrors.IsNotFound(err):
		if obj.Status.PipelineRunRef != nil {
			// Recorded but not in the cache: created by the last reconcile, or deleted by someone.
			// Read past the cache to tell which.
			if err := e.APIReader.Get(ctx, key, pr); err == nil {
				break
			} else if !apierrors.IsNotFound(err) {
				return nil, fmt.Errorf("reading PipelineRun %s past the cache: %w", key, err)
			}
			return nil, fail(workflowv1alpha1.ReadyCondition, workflowv1alpha1.StepFailedReason,
				"PipelineRun %s was deleted while the workflow ran", key.Name)
		}
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading PipelineRun %s: %w", key, err)
	}
	if !metav1.IsControlledBy(pr, obj) {
		return nil, fail(workflowv1alpha1.ReadyCondition, workflowv1alpha1.StepFailedReason,
			"PipelineRun %s %v", key, errNotOurs)
	}
	return pr, nil
}

// taskRuns lists the TaskRuns of the PipelineRun from the cache, by the label Tekton puts on
// them, keeping those the PipelineRun controls.
func (e *TektonEngine) taskRuns(ctx context.Context, pr *pipelinev1.PipelineRun) ([]pipelinev1.TaskRun, error) {
	var list pipelinev1.TaskRunList
	if err := e.Client.List(ctx, &list, client.InNamespace(pr.Namespace),
		client.MatchingLabels{labelTektonPipelineRun: pr.Name}); err != nil {
		return nil, fmt.Errorf("listing the TaskRuns of PipelineRun %s/%s: %w", pr.Namespace, pr.Name, err)
	}
	out := list.Items[:0]
	for _, tr := range list.Items {
		if metav1.IsControlledBy(&tr, pr) {
			out = append(out, tr)
		}
	}
	return out, nil
}

// labelTektonPipelineRun is the label Tekton sets on a PipelineRun's TaskRuns and pods.
const labelTektonPipelineRun = "tekton.dev/pipelineRun"

// cancel asks Tekton to stop the PipelineRun: running TaskRuns are cancelled and nothing new
// starts. The steps' status follows from the TaskRuns on later reconciles.
func (e *TektonEngine) cancel(ctx context.Context, pr *pipelinev1.PipelineRun) error {
	patch := client.MergeFrom(pr.DeepCopy())
	tekton.Cancel(pr)
	if err := e.Client.Patch(ctx, pr, patch, client.FieldOwner(ControllerName)); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("cancelling PipelineRun %s/%s: %w", pr.Namespace, pr.Name, err)
	}
	return nil
}

// stepTimeout is the step's timeout, else the settings'.
func stepTimeout(spec *workflowv1alpha1.WorkflowStep, s settings.Settings) time.Duration {
	if spec.Timeout != nil {
		return spec.Timeout.Duration
	}
	return s.StepTimeout
}

// pipelineRunGVK is the kind of the PipelineRuns the engine creates.
var pipelineRunGVK = pipelinev1.SchemeGroupVersion.WithKind("PipelineRun")
