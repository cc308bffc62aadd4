package main

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newDeployment(t, sb, "web", 2)
	for _, mode := range []struct {
		name string
		mode actiontest.InputMode
	}{{"ACTION_INPUTS", actiontest.ViaEnv}, {"ACTION_INPUTS_FILE", actiontest.ViaFile}, {"standard input", actiontest.ViaStdin}} {
		t.Run(mode.name, func(t *testing.T) {
			r := runAction(t, sb, map[string]any{"deployment": "web", "dryRun": true}, actiontest.WithInputMode(mode.mode))

			mustSucceed(t, r)
			if lines := strings.Split(strings.TrimSuffix(r.Stdout, "\n"), "\n"); len(lines) != 1 {
				t.Errorf("stdout has %d lines, want only the output line:\n%s", len(lines), r.Stdout)
			}
			if r.Outputs["deployment"] != "web" || r.Outputs["dryRun"] != true {
				t.Errorf("outputs = %v", r.Outputs)
			}
		})
	}
}

func TestInputsTheContractRefusesFailBeforeConnecting(t *testing.T) {
	tests := []struct {
		name   string
		inputs map[string]any
		want   string
	}{
		{"no inputs at all", nil, "/deployment: required input is missing"},
		{"a deployment name with a slash", map[string]any{"deployment": "a/b"}, "/deployment"},
		{"a wait that is no boolean", map[string]any{"deployment": "web", "waitForRollout": "yes"}, "/waitForRollout"},
		{"a misspelt input", map[string]any{"deployment": "web", "dryrun": true}, "/dryrun: unknown input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runActionWith(t, restarter{kube: noCluster(t), now: clock}, tt.inputs)

			mustFail(t, r, action.ExitInputError, tt.want)
		})
	}
}

func TestTheContractGrantsWhatRestartingNeedsAndNothingElse(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newDeployment(t, sb, "web", 1)
	other := cluster.NewSandbox(t, contractFile)
	newDeployment(t, other, "web", 1)
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
