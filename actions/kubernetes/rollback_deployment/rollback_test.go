package main

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestRollbackRestoresThePreviousRevisionsTemplate(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newDeploymentWithHistory(t, sb, "web", 3, 1, 2, 3)

	r := runAction(t, sb, map[string]any{"deployment": "web", "waitForRollout": false})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"deployment": "web", "namespace": sb.Namespace, "fromRevision": 3, "toRevision": 2,
		"previousImages": []any{"app=registry.example/app:3"}, "images": []any{"app=registry.example/app:2"},
		"changed": true, "updatedReplicas": 0, "availableReplicas": 0, "dryRun": false,
	}, r)
	after := sb.GetDeployment(t, "web")
	rs, err := sb.Admin.AppsV1().ReplicaSets(sb.Namespace).Get(context.Background(), "web-rev2", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	delete(rs.Spec.Template.Labels, appsv1.DefaultDeploymentUniqueLabelKey)
	if diff := cmp.Diff(rs.Spec.Template, after.Spec.Template); diff != "" {
		t.Errorf("the Deployment's template is not revision 2's without its pod-template-hash (-want +got):\n%s", diff)
	}
	if *after.Spec.Replicas != 2 {
		t.Errorf("the rollback changed spec.replicas to %d", *after.Spec.Replicas)
	}
}

func TestRollbackToANamedRevision(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newDeploymentWithHistory(t, sb, "web", 3, 1, 2, 3)

	r := runAction(t, sb, map[string]any{"deployment": "web", "revision": 1, "waitForRollout": false})

	actiontesting.MustSucceed(t, r)
	if got := sb.GetDeployment(t, "web").Spec.Template.Spec.Containers[0].Image; got != "registry.example/app:1" {
		t.Errorf("image after the rollback = %s, want revision 1's", got)
	}
}

func TestReplicaSetsOfAnotherOwnerAreNoRevisionsOfTheDeployment(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newDeploymentWithHistory(t, sb, "web", 2, 1, 2)
	// Same labels, a higher revision, but controlled by another Deployment (or by nothing).
	stranger := &metav1.OwnerReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "other", UID: types.UID("0000"), Controller: ptrTrue()}
	newReplicaSet(t, sb, "web-stranger", map[string]string{"app": "web"}, 9, stranger)
	newReplicaSet(t, sb, "web-orphan", map[string]string{"app": "web"}, 8, nil)

	r := runAction(t, sb, map[string]any{"deployment": "web", "revision": 9})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "deployment "+sb.Namespace+"/web has no revision 9; its revisions are 1, 2")
}

func TestWithoutAnEarlierRevisionTheRollbackFailsAndSaysWhy(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newDeploymentWithHistory(t, sb, "web", 1, 1)

	r := runAction(t, sb, map[string]any{"deployment": "web"})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "deployment "+sb.Namespace+"/web has no previous revision to roll back to (its revisions: 1)")
}

func TestATemplateThatAlreadyMatchesWritesNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newDeploymentWithHistory(t, sb, "web", 2, 1, 2)

	r := runAction(t, sb, map[string]any{"deployment": "web", "revision": 2})

	actiontesting.MustSucceed(t, r)
	if r.Outputs["changed"] != false {
		t.Errorf("changed = %v, want false", r.Outputs["changed"])
	}
	sb.ExpectDeploymentUnchanged(t, before, "a run that changes nothing")
}

func TestDryRunReportsTheRollbackAndPersistsNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newDeploymentWithHistory(t, sb, "web", 3, 2, 3)

	r := runAction(t, sb, map[string]any{"deployment": "web", "dryRun": true})

	actiontesting.MustSucceed(t, r)
	if diff := cmp.Diff([]any{"app=registry.example/app:2"}, r.Outputs["images"]); diff != "" || r.Outputs["changed"] != true {
		t.Errorf("the dry run does not report the change: %v", r.Outputs)
	}
	sb.ExpectDeploymentUnchanged(t, before, "the dry run")
	if !strings.Contains(r.Stderr, "dry run: deployment "+sb.Namespace+"/web would be rolled back from revision 3 to 2") {
		t.Errorf("the log does not say what would change:\n%s", r.Stderr)
	}
}

func TestAPausedDeploymentIsRefused(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newDeploymentWithHistory(t, sb, "web", 2, 1, 2)
	sb.PauseDeployment(t, "web")

	r := runAction(t, sb, map[string]any{"deployment": "web"})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "deployment "+sb.Namespace+"/web is paused")
}

func TestAMissingDeploymentFailsNamingIt(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)

	r := runAction(t, sb, map[string]any{"deployment": "nope"})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "deployment "+sb.Namespace+"/nope not found: check the inputs")
}

func TestWaitForRolloutEndsWhenTheRestoredTemplateIsAvailable(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newDeploymentWithHistory(t, sb, "web", 2, 1, 2)
	done := sb.PlayDeploymentController(t, "web", before.Generation+1, kubetest.Rollout{Status: appsv1.DeploymentStatus{
		Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2,
	}})

	r := runAction(t, sb, map[string]any{"deployment": "web"}, actiontest.WithContext(kubetest.Context(t)))

	<-done
	actiontesting.MustSucceed(t, r)
	if r.Outputs["availableReplicas"] != actiontest.Normalize(t, map[string]any{"n": 2})["n"] {
		t.Errorf("availableReplicas = %v, want 2", r.Outputs["availableReplicas"])
	}
}

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newDeploymentWithHistory(t, sb, "web", 2, 1, 2)
	actiontesting.EveryInputMode(t, func(t *testing.T, opts ...actiontest.Option) actiontest.Result {
		return runAction(t, sb, map[string]any{"deployment": "web", "dryRun": true}, opts...)
	}, func(t *testing.T, r actiontest.Result) {
		if r.Outputs["toRevision"] != actiontest.Normalize(t, map[string]any{"n": 1})["n"] {
			t.Errorf("toRevision = %v, want 1", r.Outputs["toRevision"])
		}
	})
}

func TestInputsTheContractRefusesFailBeforeConnecting(t *testing.T) {
	tests := []actiontesting.Refused{
		{Name: "no inputs at all", Inputs: nil, Want: "/deployment: required input is missing"},
		{Name: "a negative revision", Inputs: map[string]any{"deployment": "web", "revision": -1}, Want: "/revision: must be at least 0"},
		{Name: "a revision that is no integer", Inputs: map[string]any{"deployment": "web", "revision": "2"}, Want: "/revision"},
		{Name: "a misspelt input", Inputs: map[string]any{"deployment": "web", "toRevision": 2}, Want: "/toRevision: unknown input"},
	}
	actiontesting.InputsAreRefused(t, func(t *testing.T, inputs map[string]any) actiontest.Result {
		return actiontesting.Run(t, contractFile, rollbacker{kube: actiontesting.NoCluster(t)}.run, inputs)
	}, tests)
}

func TestTheContractGrantsWhatRollingBackNeedsAndNothingElse(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newDeploymentWithHistory(t, sb, "web", 2, 1, 2)
	other := cluster.NewSandbox(t, contractFile)
	newDeploymentWithHistory(t, other, "web", 2, 1, 2)
	ctx := context.Background()

	err := sb.Client.AppsV1().Deployments(sb.Namespace).Delete(ctx, "web", metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete the Deployment")
	_, err = sb.Client.AppsV1().ReplicaSets(sb.Namespace).Get(ctx, "web-rev1", metav1.GetOptions{})
	sb.ExpectForbidden(t, err, "get a ReplicaSet")
	err = sb.Client.AppsV1().ReplicaSets(sb.Namespace).Delete(ctx, "web-rev1", metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete a ReplicaSet")
	_, err = sb.Client.AppsV1().ReplicaSets(other.Namespace).List(ctx, metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list ReplicaSets in another namespace")
	_, err = sb.Client.AppsV1().Deployments(sb.Namespace).List(ctx, metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list Deployments")

	for _, denied := range []struct{ verb, resource, subresource string }{
		{"update", "deployments", ""}, {"create", "deployments", ""}, {"watch", "replicasets", ""},
		{"patch", "replicasets", ""}, {"update", "deployments", "scale"}, {"patch", "daemonsets", ""},
	} {
		if sb.Allowed(t, kubetest.Attrs("apps", denied.resource, denied.subresource, denied.verb)) {
			t.Errorf("the contract allows %s on %s/%s; it must not", denied.verb, denied.resource, denied.subresource)
		}
	}
}

func ptrTrue() *bool { return ptr.To(true) }
