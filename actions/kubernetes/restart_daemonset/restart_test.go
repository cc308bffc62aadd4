package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestRestartSetsTheAnnotationOfThePodTemplateLikeKubectl(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newDaemonSet(t, sb, "web", appsv1.RollingUpdateDaemonSetStrategyType)

	r := runAction(t, sb, map[string]any{"daemonset": "web", "waitForRollout": false})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"daemonset": "web", "namespace": sb.Namespace, "previousRestartedAt": "", "restartedAt": "2026-11-26T03:00:00Z",
		"previousGeneration": before.Generation, "generation": before.Generation + 1,
		"desiredPods": 0, "updatedPods": 0, "availablePods": 0, "dryRun": false,
	}, r)
	after := getDaemonSet(t, sb, "web")
	if got := after.Spec.Template.Annotations[RestartedAtAnnotation]; got != "2026-11-26T03:00:00Z" {
		t.Errorf("the pod template's %s = %q", RestartedAtAnnotation, got)
	}
	if after.Spec.Template.Spec.Containers[0].Image != before.Spec.Template.Spec.Containers[0].Image {
		t.Errorf("the restart changed more than the annotation: %+v", after.Spec)
	}
}

func TestARestartedDaemonSetReportsThePreviousRestart(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	d := newDaemonSet(t, sb, "web", appsv1.RollingUpdateDaemonSetStrategyType)
	d.Spec.Template.Annotations = map[string]string{RestartedAtAnnotation: "2026-01-01T00:00:00Z", "team": "shop"}
	if _, err := sb.Admin.AppsV1().DaemonSets(sb.Namespace).Update(context.Background(), d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	r := runAction(t, sb, map[string]any{"daemonset": "web", "waitForRollout": false})

	actiontesting.MustSucceed(t, r)
	if r.Outputs["previousRestartedAt"] != "2026-01-01T00:00:00Z" {
		t.Errorf("previousRestartedAt = %v", r.Outputs["previousRestartedAt"])
	}
	if got := getDaemonSet(t, sb, "web").Spec.Template.Annotations["team"]; got != "shop" {
		t.Errorf("another annotation of the template was lost: team = %q", got)
	}
}

func TestDryRunReportsTheRestartAndPersistsNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newDaemonSet(t, sb, "web", appsv1.RollingUpdateDaemonSetStrategyType)

	r := runAction(t, sb, map[string]any{"daemonset": "web", "dryRun": true}) // no wait in a dry run

	actiontesting.MustSucceed(t, r)
	if r.Outputs["restartedAt"] != "2026-11-26T03:00:00Z" || r.Outputs["dryRun"] != true {
		t.Errorf("outputs %v do not report the restart that would happen", r.Outputs)
	}
	if after := getDaemonSet(t, sb, "web"); after.ResourceVersion != before.ResourceVersion {
		t.Errorf("the dry run changed the daemonset: resourceVersion %s -> %s", before.ResourceVersion, after.ResourceVersion)
	}
	if !strings.Contains(r.Stderr, "dry run: daemonset "+sb.Namespace+"/web would be restarted") {
		t.Errorf("the log does not say what would change:\n%s", r.Stderr)
	}
}

func TestADaemonSetThatUpdatesOnlyOnDeleteIsRefused(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newDaemonSet(t, sb, "web", appsv1.OnDeleteDaemonSetStrategyType)

	r := runAction(t, sb, map[string]any{"daemonset": "web"})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "daemonset "+sb.Namespace+"/web uses the OnDelete update strategy: a restart would replace no pod")
	if after := getDaemonSet(t, sb, "web"); after.ResourceVersion != before.ResourceVersion {
		t.Errorf("a refused restart changed the daemonset")
	}
}

func TestAMissingDaemonSetFailsNamingIt(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)

	r := runAction(t, sb, map[string]any{"daemonset": "nope"})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "daemonset "+sb.Namespace+"/nope not found: check the inputs")
}

func TestWaitForRolloutEndsWhenThePodOnEveryNodeIsUpdatedAndAvailable(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newDaemonSet(t, sb, "web", appsv1.RollingUpdateDaemonSetStrategyType)
	done := playDaemonSetController(t, sb, "web", before.Generation+1, appsv1.DaemonSetStatus{
		DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, UpdatedNumberScheduled: 3, NumberReady: 3, NumberAvailable: 3,
	})

	r := runAction(t, sb, map[string]any{"daemonset": "web"}) // waitForRollout defaults to true

	<-done
	actiontesting.MustSucceed(t, r)
	if diff := cmp.Diff(actiontest.Normalize(t, map[string]any{"desiredPods": 3, "updatedPods": 3, "availablePods": 3}),
		map[string]any{"desiredPods": r.Outputs["desiredPods"], "updatedPods": r.Outputs["updatedPods"], "availablePods": r.Outputs["availablePods"]}); diff != "" {
		t.Errorf("pod counts (-want +got):\n%s", diff)
	}
}

func TestWaitForRolloutGivesUpWithTheProgressWhenTheStepEnds(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newDaemonSet(t, sb, "web", appsv1.RollingUpdateDaemonSetStrategyType)
	done := playDaemonSetController(t, sb, "web", before.Generation+1, appsv1.DaemonSetStatus{
		DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, UpdatedNumberScheduled: 1, NumberReady: 2, NumberAvailable: 2,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second) // the step's deadline
	defer cancel()

	r := runAction(t, sb, map[string]any{"daemonset": "web"}, actiontest.WithContext(ctx))

	<-done
	actiontesting.MustFail(t, r, action.ExitActionFailed, "gave up waiting for the rollout of daemonset "+sb.Namespace+"/web (1/3 updated, 2 available)")
}

// playDaemonSetController waits until the DaemonSet reaches generation, then writes status
// as the DaemonSet controller would once it has observed it. envtest runs no controllers.
func playDaemonSetController(t *testing.T, sb *kubetest.Sandbox, name string, generation int64, status appsv1.DaemonSetStatus) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			d, err := sb.Admin.AppsV1().DaemonSets(sb.Namespace).Get(context.Background(), name, metav1.GetOptions{})
			if err == nil && d.Generation >= generation {
				d.Status = status
				d.Status.ObservedGeneration = d.Generation
				if _, err := sb.Admin.AppsV1().DaemonSets(sb.Namespace).UpdateStatus(context.Background(), d, metav1.UpdateOptions{}); err != nil {
					t.Errorf("write the daemonset's status: %v", err)
				}
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Errorf("daemonset %s never reached generation %d", name, generation)
	}()
	return done
}
