package main

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
)

func TestScaleSetsTheReplicasOfTheDeploymentInThePodsNamespace(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	sb.NewDeployment(t, "payment-service", 2)

	// As in the seed's workflow: no namespace, so the pod's (the workflow's) is used.
	r := runAction(t, sb, map[string]any{"deployment": "payment-service", "replicas": 10, "waitForReady": false})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"deployment": "payment-service", "namespace": sb.Namespace, "previousReplicas": 2, "replicas": 10,
		"actualReplicas": 0, "changed": true, "dryRun": false,
	}, r)
	if got := *sb.GetDeployment(t, "payment-service").Spec.Replicas; got != 10 {
		t.Errorf("spec.replicas = %d after the action, want 10", got)
	}
}

func TestAnExplicitNamespaceWinsOverThePodsNamespace(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	sb.NewDeployment(t, "web", 1)
	env := sb.ActionEnv()
	env.PodNamespace = func() (string, error) { return "elsewhere", nil }

	r := actiontesting.Run(t, contractFile, scaler{kube: env}.run, map[string]any{
		"namespace": sb.Namespace, "deployment": "web", "replicas": 0, "waitForReady": false,
	})

	actiontesting.MustSucceed(t, r)
	if got := *sb.GetDeployment(t, "web").Spec.Replicas; got != 0 {
		t.Errorf("spec.replicas = %d after the action, want 0", got)
	}
}

func TestDryRunReportsTheChangeAndPersistsNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := sb.NewDeployment(t, "web", 1)

	r := runAction(t, sb, map[string]any{"deployment": "web", "replicas": 4, "dryRun": true})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"deployment": "web", "namespace": sb.Namespace, "previousReplicas": 1, "replicas": 4,
		"actualReplicas": 0, "changed": true, "dryRun": true,
	}, r)
	after := sb.GetDeployment(t, "web")
	if after.ResourceVersion != before.ResourceVersion || *after.Spec.Replicas != 1 {
		t.Errorf("the dry run changed the deployment: resourceVersion %s -> %s, replicas %d",
			before.ResourceVersion, after.ResourceVersion, *after.Spec.Replicas)
	}
	if !strings.Contains(r.Stderr, "dry run: deployment "+sb.Namespace+"/web would be scaled from 1 to 4") {
		t.Errorf("the log does not say what would change:\n%s", r.Stderr)
	}
}

func TestScalingToTheCurrentCountWritesNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := sb.NewDeployment(t, "web", 3)

	r := runAction(t, sb, map[string]any{"deployment": "web", "replicas": 3, "waitForReady": false})

	actiontesting.MustSucceed(t, r)
	if r.Outputs["changed"] != false {
		t.Errorf("changed = %v, want false", r.Outputs["changed"])
	}
	sb.ExpectDeploymentUnchanged(t, before, "a run that changes nothing")
}

func TestAMissingDeploymentFailsNamingIt(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)

	r := runAction(t, sb, map[string]any{"deployment": "nope", "replicas": 1})

	if r.ExitCode != 1 {
		t.Fatalf("exit code %d, want 1 (action failed); stderr:\n%s", r.ExitCode, r.Stderr)
	}
	if want := "deployment " + sb.Namespace + "/nope not found"; !strings.Contains(r.Stderr, want) {
		t.Errorf("stderr does not contain %q:\n%s", want, r.Stderr)
	}
}

func TestTheContractGrantsWhatScalingNeedsAndNothingElse(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	sb.NewDeployment(t, "web", 1)
	other := cluster.NewSandbox(t, contractFile)
	other.NewDeployment(t, "web", 1)
	ctx := context.Background()

	// What the action does works (the other tests run it), and the API server refuses the rest.
	err := sb.Client.AppsV1().Deployments(sb.Namespace).Delete(ctx, "web", metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete the Deployment")
	d := sb.GetDeployment(t, "web")
	d.Spec.Template.Spec.Containers[0].Image = "evil.example/miner:1"
	_, err = sb.Client.AppsV1().Deployments(sb.Namespace).Update(ctx, d, metav1.UpdateOptions{})
	sb.ExpectForbidden(t, err, "update the Deployment's pod template")
	_, err = sb.Client.AppsV1().StatefulSets(sb.Namespace).GetScale(ctx, "db", metav1.GetOptions{})
	sb.ExpectForbidden(t, err, "read a StatefulSet's scale")
	_, err = sb.Client.AppsV1().Deployments(other.Namespace).GetScale(ctx, "web", metav1.GetOptions{})
	sb.ExpectForbidden(t, err, "read a Deployment's scale in another namespace")
	_, err = sb.Client.AppsV1().Deployments(sb.Namespace).List(ctx, metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list Deployments")

	for _, denied := range []struct{ verb, resource, subresource string }{
		{"patch", "deployments", ""}, {"patch", "deployments", "scale"}, {"watch", "deployments", ""},
		{"create", "deployments", ""}, {"update", "statefulsets", "scale"}, {"update", "replicasets", "scale"},
	} {
		if sb.Allowed(t, kubetest.Attrs("apps", denied.resource, denied.subresource, denied.verb)) {
			t.Errorf("the contract allows %s on %s/%s; it must not", denied.verb, denied.resource, denied.subresource)
		}
	}
}
