package main

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// appResources are the resources of the container "app" in most tests.
func appResources() corev1.ResourceRequirements {
	return requirements([]string{"cpu=100m", "memory=256Mi"}, []string{"cpu=500m", "memory=512Mi"})
}

// container returns the named container of the Deployment as the administrator reads it.
func container(t *testing.T, sb *kubetest.Sandbox, name string) corev1.Container {
	t.Helper()
	c, ok := findContainer(sb.GetDeployment(t, "web"), name)
	if !ok {
		t.Fatalf("deployment web has no container %s", name)
	}
	return c
}

func TestIncreaseRaisesTheDefaultContainersMemoryByAFactor(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newDeployment(t, sb, "web", appResources())

	r := runAction(t, sb, map[string]any{"deployment": "web", "memoryRequest": "x1.5", "memoryLimit": "x1.5", "waitForRollout": false})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"deployment": "web", "namespace": sb.Namespace, "container": "app",
		"previousCpuRequest": "100m", "cpuRequest": "100m", "previousCpuLimit": "500m", "cpuLimit": "500m",
		"previousMemoryRequest": "256Mi", "memoryRequest": "384Mi", "previousMemoryLimit": "512Mi", "memoryLimit": "768Mi",
		"changed": true, "updatedReplicas": 0, "availableReplicas": 0, "dryRun": false,
	}, r)
	want := requirements([]string{"cpu=100m", "memory=384Mi"}, []string{"cpu=500m", "memory=768Mi"})
	if diff := cmp.Diff(want, container(t, sb, "app").Resources); diff != "" {
		t.Errorf("resources of app (-want +got):\n%s", diff)
	}
	if got := container(t, sb, "proxy"); got.Resources.Requests != nil || got.Resources.Limits != nil || got.Image != "registry.example/proxy:1" {
		t.Errorf("the other container changed: %+v", got)
	}
}

func TestANamedContainerGetsAbsoluteValues(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newDeployment(t, sb, "web", appResources())

	r := runAction(t, sb, map[string]any{"deployment": "web", "container": "proxy", "cpuLimit": "250m", "waitForRollout": false})

	actiontesting.MustSucceed(t, r)
	if r.Outputs["previousCpuLimit"] != "" || r.Outputs["cpuLimit"] != "250m" {
		t.Errorf("outputs = %v, want cpuLimit unset -> 250m", r.Outputs)
	}
	if diff := cmp.Diff(requirements(nil, []string{"cpu=250m"}), container(t, sb, "proxy").Resources); diff != "" {
		t.Errorf("resources of proxy (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(appResources(), container(t, sb, "app").Resources); diff != "" {
		t.Errorf("resources of app changed (-want +got):\n%s", diff)
	}
}

func TestRefusedChangesLeaveTheDeploymentUntouched(t *testing.T) {
	tests := []struct {
		name   string
		inputs map[string]any
		want   string
	}{
		{"a decrease", map[string]any{"memoryLimit": "256Mi"}, `container app of deployment %s/web: input "memoryLimit" would lower the memory limit from 512Mi to 256Mi`},
		{"a request above the limit", map[string]any{"cpuRequest": "1"}, "the cpu request 1 would be above the cpu limit 500m"},
		{"a container that does not exist", map[string]any{"container": "db", "cpuLimit": "1"}, `deployment %s/web has no container "db" (named by input "container"); its containers are proxy, app`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := cluster.NewSandbox(t, contractFile)
			before := newDeployment(t, sb, "web", appResources())
			tt.inputs["deployment"] = "web"

			r := runAction(t, sb, tt.inputs)

			actiontesting.MustFail(t, r, action.ExitActionFailed, strings.ReplaceAll(tt.want, "%s", sb.Namespace))
			sb.ExpectDeploymentUnchanged(t, before, "a refused change")
		})
	}
}

func TestDryRunReportsTheChangeAndPersistsNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newDeployment(t, sb, "web", appResources())

	r := runAction(t, sb, map[string]any{"deployment": "web", "cpuLimit": "x2", "dryRun": true})

	actiontesting.MustSucceed(t, r)
	if r.Outputs["cpuLimit"] != "1" || r.Outputs["changed"] != true || r.Outputs["dryRun"] != true {
		t.Errorf("outputs = %v, want cpuLimit 1 (500m x2) as a dry run", r.Outputs)
	}
	sb.ExpectDeploymentUnchanged(t, before, "the dry run")
	if want := "dry run: deployment " + sb.Namespace + "/web would change (container app: cpu limit 500m -> 1)"; !strings.Contains(r.Stderr, want) {
		t.Errorf("the log does not contain %q:\n%s", want, r.Stderr)
	}
}

func TestTheSameValuesWriteNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newDeployment(t, sb, "web", appResources())

	r := runAction(t, sb, map[string]any{"deployment": "web", "cpuLimit": "0.5"})

	actiontesting.MustSucceed(t, r)
	if r.Outputs["changed"] != false || r.Outputs["cpuLimit"] != "500m" {
		t.Errorf("outputs = %v, want no change", r.Outputs)
	}
	sb.ExpectDeploymentUnchanged(t, before, "a run that changes nothing")
}

func TestAMissingDeploymentFailsNamingIt(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)

	r := runAction(t, sb, map[string]any{"deployment": "nope", "cpuLimit": "1"})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "deployment "+sb.Namespace+"/nope not found: check the inputs")
}

func TestWaitForRolloutEndsWhenTheNewTemplateIsAvailable(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newDeployment(t, sb, "web", appResources())
	done := sb.PlayDeploymentController(t, "web", before.Generation+1, kubetest.Rollout{Status: appsv1.DeploymentStatus{
		Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2,
	}})

	r := runAction(t, sb, map[string]any{"deployment": "web", "memoryLimit": "1Gi"}, actiontest.WithContext(kubetest.Context(t)))

	<-done
	actiontesting.MustSucceed(t, r)
	if r.Outputs["availableReplicas"] != actiontest.Normalize(t, map[string]any{"n": 2})["n"] {
		t.Errorf("availableReplicas = %v, want 2", r.Outputs["availableReplicas"])
	}
}

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newDeployment(t, sb, "web", appResources())
	actiontesting.EveryInputMode(t, func(t *testing.T, opts ...actiontest.Option) actiontest.Result {
		return runAction(t, sb, map[string]any{"deployment": "web", "memoryLimit": "1Gi", "dryRun": true}, opts...)
	}, func(t *testing.T, r actiontest.Result) {
		if r.Outputs["memoryLimit"] != "1Gi" {
			t.Errorf("memoryLimit = %v, want 1Gi", r.Outputs["memoryLimit"])
		}
	})
}

func TestInputsTheActionRefusesFailBeforeConnecting(t *testing.T) {
	tests := []struct {
		name   string
		inputs map[string]any
		code   int
		want   string
	}{
		{"no inputs at all", nil, action.ExitInputError, "/deployment: required input is missing"},
		{"a memory value with a unit the pattern refuses", map[string]any{"deployment": "web", "memoryLimit": "1 GB"}, action.ExitInputError, "/memoryLimit"},
		{"a cpu value in bytes", map[string]any{"deployment": "web", "cpuLimit": "1Gi"}, action.ExitInputError, "/cpuLimit"},
		{"a misspelt input", map[string]any{"deployment": "web", "memory": "1Gi"}, action.ExitInputError, "/memory: unknown input"},
		{"no value to change", map[string]any{"deployment": "web"}, action.ExitActionFailed, "give at least one of the inputs cpuRequest"},
		{"a factor of zero", map[string]any{"deployment": "web", "cpuLimit": "x0"}, action.ExitActionFailed, `input "cpuLimit": "x0" is not a factor`},
		{"a quantity of zero", map[string]any{"deployment": "web", "memoryLimit": "0"}, action.ExitActionFailed, `input "memoryLimit": "0" must be more than zero`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := actiontesting.Run(t, contractFile, increaser{kube: actiontesting.NoCluster(t)}.run, tt.inputs)

			actiontesting.MustFail(t, r, tt.code, tt.want)
		})
	}
}

func TestTheContractGrantsWhatIncreasingNeedsAndNothingElse(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newDeployment(t, sb, "web", appResources())
	other := cluster.NewSandbox(t, contractFile)
	newDeployment(t, other, "web", appResources())
	ctx := context.Background()

	err := sb.Client.AppsV1().Deployments(sb.Namespace).Delete(ctx, "web", metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete the Deployment")
	_, err = sb.Client.AppsV1().Deployments(other.Namespace).Get(ctx, "web", metav1.GetOptions{})
	sb.ExpectForbidden(t, err, "read a Deployment in another namespace")
	_, err = sb.Client.AppsV1().StatefulSets(sb.Namespace).Get(ctx, "web", metav1.GetOptions{})
	sb.ExpectForbidden(t, err, "read a StatefulSet")
	_, err = sb.Client.CoreV1().Pods(sb.Namespace).List(ctx, metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list pods")

	for _, denied := range []struct{ group, verb, resource, subresource string }{
		{"apps", "update", "deployments", ""}, {"apps", "create", "deployments", ""}, {"apps", "list", "deployments", ""},
		{"apps", "patch", "statefulsets", ""}, {"apps", "update", "deployments", "scale"}, {"", "patch", "pods", "resize"},
		{"", "update", "resourcequotas", ""}, {"", "patch", "limitranges", ""},
	} {
		if sb.Allowed(t, kubetest.Attrs(denied.group, denied.resource, denied.subresource, denied.verb)) {
			t.Errorf("the contract allows %s on %s/%s; it must not", denied.verb, denied.resource, denied.subresource)
		}
	}
}
