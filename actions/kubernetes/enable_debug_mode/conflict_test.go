package main

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
)

func TestAVariableAddedConcurrentlyIsNeverLost(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newDeployment(t, sb, "web", []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "info"}})
	// Between the action's read and its patch, another actor adds a variable. The patch sets
	// the whole list computed from the first read, so without the precondition it would drop
	// the rival's variable; with it, the patch conflicts and the action starts again.
	rival := func() {
		d := sb.GetDeployment(t, "web")
		c := &d.Spec.Template.Spec.Containers[1]
		c.Env = append(c.Env, corev1.EnvVar{Name: "POOL_SIZE", Value: "50"})
		if _, err := sb.Admin.AppsV1().Deployments(sb.Namespace).Update(context.Background(), d, metav1.UpdateOptions{}); err != nil {
			t.Errorf("the rival's update: %v", err)
		}
	}
	env := sb.RacingEnv(t, "GET", "deployments", rival)

	r := actiontesting.Run(t, contractFile, debugger{kube: env}.run, map[string]any{"deployment": "web", "waitForRollout": false})

	actiontesting.MustSucceed(t, r)
	want := []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "debug"}, {Name: "POOL_SIZE", Value: "50"}}
	if diff := cmp.Diff(want, appEnv(t, sb)); diff != "" {
		t.Errorf("env of app (-want +got):\n%s", diff)
	}
}
