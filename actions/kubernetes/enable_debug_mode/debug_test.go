package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// appEnv returns the variables of the container "app" of the Deployment web.
func appEnv(t *testing.T, sb *kubetest.Sandbox) []corev1.EnvVar {
	t.Helper()
	return sb.GetDeployment(t, "web").Spec.Template.Spec.Containers[1].Env
}

func TestEnableSetsLogLevelDebugOnTheDefaultContainerAndRecordsThePreviousValue(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newDeployment(t, sb, "web", []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "info"}, dbPassword})

	r := runAction(t, sb, map[string]any{"deployment": "web", "waitForRollout": false})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"deployment": "web", "namespace": sb.Namespace, "container": "app",
		"previousEnv": map[string]any{"LOG_LEVEL": "info"}, "env": map[string]any{"LOG_LEVEL": "debug"},
		"enabled": true, "changed": true, "previousRevision": 1, "revision": 1,
		"updatedReplicas": 0, "availableReplicas": 0, "dryRun": false,
	}, r)
	want := []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "debug"}, dbPassword}
	if diff := cmp.Diff(want, appEnv(t, sb)); diff != "" {
		t.Errorf("env of app (-want +got):\n%s", diff)
	}
	after := sb.GetDeployment(t, "web")
	if got := after.Spec.Template.Spec.Containers[0]; !cmp.Equal(got, before.Spec.Template.Spec.Containers[0]) {
		t.Errorf("the other container changed: %+v", got)
	}
	if got := after.Spec.Template.Annotations[RecordAnnotation]; got != `{"container":"app","env":{"LOG_LEVEL":{"name":"LOG_LEVEL","value":"info"}}}` {
		t.Errorf("the record is %s", got)
	}
}

func TestDisableRestoresEveryVariableExactlyAndRemovesTheRecord(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	original := []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "info"}, dbPassword}
	before := newDeployment(t, sb, "web", original)

	// Replace a literal, replace a Secret reference, add a new variable; then raise the level
	// again in a second run, which must not lose the values from before the first.
	r := runAction(t, sb, map[string]any{"deployment": "web", "waitForRollout": false,
		"env": map[string]any{"LOG_LEVEL": "debug", "DB_PASSWORD": "debug-only", "TRACE": "1"}})
	actiontesting.MustSucceed(t, r)
	r = runAction(t, sb, map[string]any{"deployment": "web", "waitForRollout": false, "env": map[string]any{"LOG_LEVEL": "trace"}})
	actiontesting.MustSucceed(t, r)
	wantDebug := []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "trace"}, {Name: "DB_PASSWORD", Value: "debug-only"}, {Name: "TRACE", Value: "1"}}
	if diff := cmp.Diff(wantDebug, appEnv(t, sb)); diff != "" {
		t.Fatalf("env of app in debug mode (-want +got):\n%s", diff)
	}

	r = runAction(t, sb, map[string]any{"deployment": "web", "disable": true, "waitForRollout": false})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"deployment": "web", "namespace": sb.Namespace, "container": "app",
		"previousEnv": map[string]any{"LOG_LEVEL": "trace", "DB_PASSWORD": "debug-only", "TRACE": "1"},
		"env":         map[string]any{"LOG_LEVEL": "info", "DB_PASSWORD": "(from secret db key password)", "TRACE": nil},
		"enabled":     false, "changed": true, "previousRevision": 1, "revision": 1,
		"updatedReplicas": 0, "availableReplicas": 0, "dryRun": false,
	}, r)
	after := sb.GetDeployment(t, "web")
	if diff := cmp.Diff(before.Spec.Template, after.Spec.Template); diff != "" {
		t.Errorf("the pod template after disable differs from the original (-before +after):\n%s", diff)
	}
}

func TestDisableOfAContainerWithoutVariablesLeavesItWithout(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newDeployment(t, sb, "web", nil)
	actiontesting.MustSucceed(t, runAction(t, sb, map[string]any{"deployment": "web", "waitForRollout": false}))

	actiontesting.MustSucceed(t, runAction(t, sb, map[string]any{"deployment": "web", "disable": true, "waitForRollout": false}))

	if diff := cmp.Diff(before.Spec.Template, sb.GetDeployment(t, "web").Spec.Template); diff != "" {
		t.Errorf("the pod template differs from the original (-before +after):\n%s", diff)
	}
}

func TestDryRunReportsTheChangeAndPersistsNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newDeployment(t, sb, "web", nil)

	r := runAction(t, sb, map[string]any{"deployment": "web", "container": "proxy", "dryRun": true})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"deployment": "web", "namespace": sb.Namespace, "container": "proxy",
		"previousEnv": map[string]any{"LOG_LEVEL": "warn"}, "env": map[string]any{"LOG_LEVEL": "debug"},
		"enabled": true, "changed": true, "previousRevision": 1, "revision": 1,
		"updatedReplicas": 0, "availableReplicas": 0, "dryRun": true,
	}, r)
	sb.ExpectDeploymentUnchanged(t, before, "the dry run")
	if want := "dry run: deployment " + sb.Namespace + "/web would change (container proxy: map[LOG_LEVEL:warn] -> map[LOG_LEVEL:debug])"; !strings.Contains(r.Stderr, want) {
		t.Errorf("the log does not contain %q:\n%s", want, r.Stderr)
	}
}

func TestNothingIsWrittenWhenThereIsNothingToChange(t *testing.T) {
	tests := []struct {
		name   string
		env    []corev1.EnvVar
		inputs map[string]any
	}{
		{"enable when the values are already set", []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "debug"}}, map[string]any{}},
		{"disable without a record", []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "debug"}}, map[string]any{"disable": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := cluster.NewSandbox(t, contractFile)
			before := newDeployment(t, sb, "web", tt.env)
			tt.inputs["deployment"] = "web"

			r := runAction(t, sb, tt.inputs) // waits for nothing: nothing changed

			actiontesting.MustSucceed(t, r)
			if r.Outputs["changed"] != false || r.Outputs["enabled"] != false {
				t.Errorf("outputs = %v, want changed and enabled false", r.Outputs)
			}
			sb.ExpectDeploymentUnchanged(t, before, "a run that changes nothing")
		})
	}
}

func TestRefusedChangesLeaveTheDeploymentUntouched(t *testing.T) {
	tests := []struct {
		name   string
		env    []corev1.EnvVar
		record string
		inputs map[string]any
		want   string
	}{
		{"a container that does not exist", nil, "", map[string]any{"container": "db"},
			`deployment %s/web has no container "db" (named by input "container"); its containers are proxy, app`},
		{"another container than the one in debug mode", nil, `{"container":"app","env":{"LOG_LEVEL":null}}`, map[string]any{"container": "proxy"},
			"deployment %s/web has debug mode enabled on container app, not proxy; disable it first"},
		{"a record the action did not write", nil, "on", map[string]any{"disable": true},
			`deployment %s/web: the pod template annotation kubernaut.ai/debug-mode is not a record this action wrote ("on")`},
		{"a variable set twice", []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "a"}, {Name: "LOG_LEVEL", Value: "b"}}, "", map[string]any{},
			"deployment %s/web: container app sets the variable LOG_LEVEL twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := cluster.NewSandbox(t, contractFile)
			before := newDeployment(t, sb, "web", tt.env)
			if tt.record != "" {
				before.Spec.Template.Annotations[RecordAnnotation] = tt.record
				var err error
				if before, err = sb.Admin.AppsV1().Deployments(sb.Namespace).Update(context.Background(), before, metav1.UpdateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			tt.inputs["deployment"] = "web"

			r := runAction(t, sb, tt.inputs)

			actiontesting.MustFail(t, r, action.ExitActionFailed, strings.ReplaceAll(tt.want, "%s", sb.Namespace))
			sb.ExpectDeploymentUnchanged(t, before, "a refused change")
		})
	}
}

func TestAPausedDeploymentIsRefused(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newDeployment(t, sb, "web", nil)
	sb.PauseDeployment(t, "web")

	r := runAction(t, sb, map[string]any{"deployment": "web"})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "deployment "+sb.Namespace+"/web is paused")
}

func TestAMissingDeploymentFailsNamingIt(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)

	r := runAction(t, sb, map[string]any{"deployment": "nope"})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "deployment "+sb.Namespace+"/nope not found: check the inputs")
}

func TestWaitForRolloutReportsTheNewRevision(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newDeployment(t, sb, "web", nil)
	done := sb.PlayDeploymentController(t, "web", before.Generation+1, kubetest.Rollout{Revision: "2", Status: appsv1.DeploymentStatus{
		Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2,
	}})

	r := runAction(t, sb, map[string]any{"deployment": "web"}, actiontest.WithContext(kubetest.Context(t)))

	<-done
	actiontesting.MustSucceed(t, r)
	got := map[string]any{"previousRevision": r.Outputs["previousRevision"], "revision": r.Outputs["revision"], "availableReplicas": r.Outputs["availableReplicas"]}
	want := actiontest.Normalize(t, map[string]any{"previousRevision": 1, "revision": 2, "availableReplicas": 2})
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
}

func TestWaitForRolloutGivesUpWithTheProgressWhenTheStepEnds(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newDeployment(t, sb, "web", nil)
	done := sb.PlayDeploymentController(t, "web", before.Generation+1, kubetest.Rollout{Revision: "2", Status: appsv1.DeploymentStatus{
		Replicas: 3, UpdatedReplicas: 1, ReadyReplicas: 2, AvailableReplicas: 2,
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second) // the step's deadline
	defer cancel()

	r := runAction(t, sb, map[string]any{"deployment": "web"}, actiontest.WithContext(ctx))

	<-done
	actiontesting.MustFail(t, r, action.ExitActionFailed, "gave up waiting for the rollout of deployment "+sb.Namespace+"/web (1/2 updated, 2 available, 3 existing)")
}

func TestTheContractGrantsWhatDebugModeNeedsAndNothingElse(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newDeployment(t, sb, "web", nil)
	other := cluster.NewSandbox(t, contractFile)
	newDeployment(t, other, "web", nil)
	ctx := context.Background()

	_, err := sb.Client.AppsV1().Deployments(other.Namespace).Patch(ctx, "web", "application/json-patch+json",
		[]byte(`[{"op":"add","path":"/spec/template/metadata/annotations/x","value":"y"}]`), metav1.PatchOptions{})
	sb.ExpectForbidden(t, err, "patch a Deployment in another namespace")
	_, err = sb.Client.CoreV1().Secrets(sb.Namespace).Get(ctx, "db", metav1.GetOptions{})
	sb.ExpectForbidden(t, err, "read the Secret a variable refers to")
	_, err = sb.Client.CoreV1().ConfigMaps(sb.Namespace).List(ctx, metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list ConfigMaps")
	err = sb.Client.AppsV1().Deployments(sb.Namespace).Delete(ctx, "web", metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete the Deployment")

	for _, denied := range []struct{ group, verb, resource, subresource string }{
		{"apps", "update", "deployments", ""}, {"apps", "list", "deployments", ""}, {"apps", "watch", "deployments", ""},
		{"apps", "patch", "statefulsets", ""}, {"apps", "patch", "daemonsets", ""}, {"", "create", "pods", "exec"},
		{"", "patch", "pods", ""}, {"", "get", "pods", "log"},
	} {
		if sb.Allowed(t, kubetest.Attrs(denied.group, denied.resource, denied.subresource, denied.verb)) {
			t.Errorf("the contract allows %s on %s/%s; it must not", denied.verb, denied.resource, denied.subresource)
		}
	}
}
