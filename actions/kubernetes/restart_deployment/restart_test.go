package main

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestRestartSetsTheAnnotationOfThePodTemplateLikeKubectl(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := sb.NewDeployment(t, "web", 2)

	r := runAction(t, sb, map[string]any{"deployment": "web", "waitForRollout": false})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"deployment": "web", "namespace": sb.Namespace, "previousRestartedAt": "", "restartedAt": "2026-11-26T03:00:00Z",
		"previousGeneration": before.Generation, "generation": before.Generation + 1,
		"updatedReplicas": 0, "availableReplicas": 0, "dryRun": false,
	}, r)
	after := sb.GetDeployment(t, "web")
	if got := after.Spec.Template.Annotations[RestartedAtAnnotation]; got != "2026-11-26T03:00:00Z" {
		t.Errorf("the pod template's %s = %q", RestartedAtAnnotation, got)
	}
	if after.Spec.Template.Spec.Containers[0].Image != before.Spec.Template.Spec.Containers[0].Image || *after.Spec.Replicas != 2 {
		t.Errorf("the restart changed more than the annotation: %+v", after.Spec)
	}
}

func TestARestartedDeploymentReportsThePreviousRestart(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	d := sb.NewDeployment(t, "web", 1)
	d.Spec.Template.Annotations = map[string]string{RestartedAtAnnotation: "2026-01-01T00:00:00Z", "team": "shop"}
	if _, err := sb.Admin.AppsV1().Deployments(sb.Namespace).Update(context.Background(), d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	r := runAction(t, sb, map[string]any{"deployment": "web", "waitForRollout": false})

	actiontesting.MustSucceed(t, r)
	if r.Outputs["previousRestartedAt"] != "2026-01-01T00:00:00Z" {
		t.Errorf("previousRestartedAt = %v", r.Outputs["previousRestartedAt"])
	}
	if got := sb.GetDeployment(t, "web").Spec.Template.Annotations["team"]; got != "shop" {
		t.Errorf("another annotation of the template was lost: team = %q", got)
	}
}

func TestDryRunReportsTheRestartAndPersistsNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := sb.NewDeployment(t, "web", 1)

	r := runAction(t, sb, map[string]any{"deployment": "web", "dryRun": true}) // no wait in a dry run

	actiontesting.MustSucceed(t, r)
	if r.Outputs["restartedAt"] != "2026-11-26T03:00:00Z" || r.Outputs["dryRun"] != true {
		t.Errorf("outputs %v do not report the restart that would happen", r.Outputs)
	}
	sb.ExpectDeploymentUnchanged(t, before, "the dry run")
	if !strings.Contains(r.Stderr, "dry run: deployment "+sb.Namespace+"/web would be restarted") {
		t.Errorf("the log does not say what would change:\n%s", r.Stderr)
	}
}

func TestAPausedDeploymentIsRefused(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	sb.NewDeployment(t, "web", 1)
	paused := sb.PauseDeployment(t, "web")

	r := runAction(t, sb, map[string]any{"deployment": "web"})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "deployment "+sb.Namespace+"/web is paused: a restart would not replace any pod")
	sb.ExpectDeploymentUnchanged(t, paused, "a refused restart")
}

func TestAMissingDeploymentFailsNamingIt(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)

	r := runAction(t, sb, map[string]any{"deployment": "nope"})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "deployment "+sb.Namespace+"/nope not found: check the inputs")
}

func TestWaitForRolloutEndsWhenEveryReplicaIsUpdatedAndAvailable(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := sb.NewDeployment(t, "web", 2)
	done := sb.PlayDeploymentController(t, "web", before.Generation+1, kubetest.Rollout{Status: appsv1.DeploymentStatus{
		Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2,
	}})

	r := runAction(t, sb, map[string]any{"deployment": "web"}) // waitForRollout defaults to true

	<-done
	actiontesting.MustSucceed(t, r)
	if r.Outputs["updatedReplicas"] != actiontest.Normalize(t, map[string]any{"n": 2})["n"] {
		t.Errorf("updatedReplicas = %v, want 2", r.Outputs["updatedReplicas"])
	}
}

func TestWaitForRolloutFailsAtOnceWhenTheProgressDeadlineIsExceeded(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := sb.NewDeployment(t, "web", 2)
	done := sb.PlayDeploymentController(t, "web", before.Generation+1, kubetest.Rollout{Status: appsv1.DeploymentStatus{
		Replicas: 3, UpdatedReplicas: 1, ReadyReplicas: 2, AvailableReplicas: 2,
		Conditions: []appsv1.DeploymentCondition{{
			Type: appsv1.DeploymentProgressing, Status: "False", Reason: "ProgressDeadlineExceeded",
			Message: `ReplicaSet "web-7d9f" has timed out progressing.`,
		}},
	}})

	r := runAction(t, sb, map[string]any{"deployment": "web"}, actiontest.WithContext(kubetest.Context(t)))

	<-done
	actiontesting.MustFail(t, r, action.ExitActionFailed, "the rollout of deployment "+sb.Namespace+`/web exceeded its progress deadline: ReplicaSet "web-7d9f" has timed out progressing.`)
}

func TestWaitForRolloutGivesUpWithTheProgressWhenTheStepEnds(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := sb.NewDeployment(t, "web", 2)
	done := sb.PlayDeploymentController(t, "web", before.Generation+1, kubetest.Rollout{Status: appsv1.DeploymentStatus{
		Replicas: 3, UpdatedReplicas: 1, ReadyReplicas: 2, AvailableReplicas: 2,
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second) // the step's deadline
	defer cancel()

	r := runAction(t, sb, map[string]any{"deployment": "web"}, actiontest.WithContext(ctx))

	<-done
	actiontesting.MustFail(t, r, action.ExitActionFailed, "gave up waiting for the rollout of deployment "+sb.Namespace+"/web (1/2 updated, 2 available, 3 existing)")
}
