package main

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	sb.NewDeployment(t, "web", 2)
	actiontesting.EveryInputMode(t, func(t *testing.T, opts ...actiontest.Option) actiontest.Result {
		return runAction(t, sb, map[string]any{"deployment": "web", "dryRun": true}, opts...)
	}, func(t *testing.T, r actiontest.Result) {
		if r.Outputs["deployment"] != "web" || r.Outputs["dryRun"] != true {
			t.Errorf("outputs = %v", r.Outputs)
		}
	})
}

func TestInputsTheContractRefusesFailBeforeConnecting(t *testing.T) {
	tests := []actiontesting.Refused{
		{Name: "no inputs at all", Inputs: nil, Want: "/deployment: required input is missing"},
		{Name: "a deployment name with a slash", Inputs: map[string]any{"deployment": "a/b"}, Want: "/deployment"},
		{Name: "a wait that is no boolean", Inputs: map[string]any{"deployment": "web", "waitForRollout": "yes"}, Want: "/waitForRollout"},
		{Name: "a misspelt input", Inputs: map[string]any{"deployment": "web", "dryrun": true}, Want: "/dryrun: unknown input"},
	}
	actiontesting.InputsAreRefused(t, func(t *testing.T, inputs map[string]any) actiontest.Result {
		return actiontesting.Run(t, contractFile, restarter{kube: actiontesting.NoCluster(t), now: clock}.run, inputs)
	}, tests)
}

func TestTheContractGrantsWhatRestartingNeedsAndNothingElse(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	sb.NewDeployment(t, "web", 1)
	other := cluster.NewSandbox(t, contractFile)
	other.NewDeployment(t, "web", 1)
	ctx := context.Background()

	err := sb.Client.AppsV1().Deployments(sb.Namespace).Delete(ctx, "web", metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete the Deployment")
	_, err = sb.Client.AppsV1().Deployments(sb.Namespace).List(ctx, metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list Deployments")
	_, err = sb.Client.AppsV1().Deployments(other.Namespace).Get(ctx, "web", metav1.GetOptions{})
	sb.ExpectForbidden(t, err, "read a Deployment in another namespace")
	_, err = sb.Client.AppsV1().DaemonSets(sb.Namespace).Get(ctx, "web", metav1.GetOptions{})
	sb.ExpectForbidden(t, err, "read a DaemonSet")
	err = sb.Client.CoreV1().Pods(sb.Namespace).Delete(ctx, "web-1", metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete a pod")

	for _, denied := range []struct{ verb, resource, subresource string }{
		{"update", "deployments", ""}, {"create", "deployments", ""}, {"watch", "deployments", ""},
		{"update", "deployments", "scale"}, {"patch", "daemonsets", ""}, {"patch", "statefulsets", ""},
	} {
		if sb.Allowed(t, kubetest.Attrs("apps", denied.resource, denied.subresource, denied.verb)) {
			t.Errorf("the contract allows %s on %s/%s; it must not", denied.verb, denied.resource, denied.subresource)
		}
	}
}
