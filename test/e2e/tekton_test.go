//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/kubernaut/kubernaut/internal/devcluster"
	"github.com/kubernaut/kubernaut/internal/devcluster/tekton"
)

// The greet example's outputs for the inputs the pipeline gives it, byte for byte as the SDK
// writes them to /tekton/results/outputs.
const (
	firstOutputs  = `{"greeting":"Hello, Tekton! Hello, Tekton!","length":29}`
	secondOutputs = `{"greeting":"Hello, Second!","length":14}`
)

// TestTekton_realTektonRunsTheSDKExampleActionAsATwoTaskPipeline installs Tekton Pipelines
// built from its Go module into the dev cluster, checks that installing again changes nothing,
// and runs a two-task PipelineRun of the SDK's greet example image: the first task's result
// reaches the second, the workspace comes from a volumeClaimTemplate bound by the dev cluster's
// provisioner, and both results are the exact JSON the action wrote.
func TestTekton_realTektonRunsTheSDKExampleActionAsATwoTaskPipeline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	c := newClient(t)
	installed := installTekton(t, ctx)

	t.Run("installing again changes nothing", func(t *testing.T) {
		before := appliedState(t, ctx, c, installed)
		installTekton(t, ctx)
		if diff := cmp.Diff(before, appliedState(t, ctx, c, installed)); diff != "" {
			t.Errorf("objects changed by the second install (-before +after):\n%s", diff)
		}
	})
	t.Run("a two-task PipelineRun of the greet action passes its result on", func(t *testing.T) {
		greet := pushAction(t, ctx, "e2e/greet", filepath.Join(repoRoot, "sdk", "examples", "greet"),
			filepath.Join(repoRoot, "sdk", "examples", "greet", "action-contract.yaml"))
		_, ns := testNamespace(t)
		run := runGreetPipeline(t, ctx, c, ns, greet)
		checkGreetPipelineRun(t, ctx, c, run)
		logTektonMemory(t)
	})
}

// installTekton runs Install with its progress lines in the test log.
func installTekton(t *testing.T, ctx context.Context) *tekton.Installed {
	t.Helper()
	src, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	res, err := tekton.Install(ctx, tekton.InstallOptions{
		Kubeconfig: suite.cluster.Kubeconfig, Registry: suite.cluster.Registry, SourceDir: src, Progress: testLog{t},
	})
	if err != nil {
		t.Fatalf("tekton.Install: %v", err)
	}
	t.Logf("FIGURE tekton install: %.1fs (build+push %.1fs, apply %.1fs, available %.1fs, admission %.1fs)",
		res.Elapsed.Seconds(), res.Build.Seconds(), res.Apply.Seconds(), res.Available.Seconds(), res.Admission.Seconds())
	return res
}

// appliedState records what a no-op apply must leave alone: every applied object's
// resourceVersion, except Deployments, whose status the controllers keep updating; for those
// the generation, which any spec change bumps.
func appliedState(t *testing.T, ctx context.Context, c client.Client, installed *tekton.Installed) map[string]string {
	t.Helper()
	objs, err := tekton.Render(installed.ModuleDir, installed.Images, tekton.RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	state := map[string]string{}
	for _, o := range objs {
		got := &unstructured.Unstructured{}
		got.SetGroupVersionKind(o.GroupVersionKind())
		if err := c.Get(ctx, client.ObjectKeyFromObject(o), got); err != nil {
			t.Fatalf("reading %s %s: %v", o.GetKind(), client.ObjectKeyFromObject(o), err)
		}
		key := o.GetKind() + "/" + client.ObjectKeyFromObject(o).String()
		if o.GetKind() == "Deployment" {
			state[key] = fmt.Sprintf("generation %d", got.GetGeneration())
		} else {
			state[key] = "resourceVersion " + got.GetResourceVersion()
		}
	}
	return state
}

// greetPipeline is a Task running the greet image as Kubernaut's Tekton engine does (explicit
// command, inputs in ACTION_INPUTS, upstream results in ACTION_UPSTREAM_OUTPUTS, the SDK writing
// the result file "outputs" into /tekton/results), and a Pipeline of two such tasks in a row.
const greetPipeline = `
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: greet}
spec:
  params:
  - {name: inputs, type: string}
  - {name: upstream, type: string, default: ""}
  results:
  - {name: outputs, type: string}
  workspaces:
  - {name: shared}
  steps:
  - name: action
    image: GREET_IMAGE
    command: [/action-entrypoint]
    env:
    - {name: ACTION_INPUTS, value: $(params.inputs)}
    - {name: ACTION_UPSTREAM_OUTPUTS, value: $(params.upstream)}
    - {name: ACTION_RESULTS_DIR, value: /tekton/results}
    securityContext:
      runAsNonRoot: true
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL]}
      seccompProfile: {type: RuntimeDefault}
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: greet-twice}
spec:
  workspaces:
  - {name: shared}
  results:
  - {name: first, value: $(tasks.first.results.outputs)}
  - {name: second, value: $(tasks.second.results.outputs)}
  tasks:
  - name: first
    taskRef: {name: greet}
    workspaces: [{name: shared, workspace: shared}]
    params:
    - {name: inputs, value: '{"name":"Tekton","times":2}'}
  - name: second
    runAfter: [first]
    taskRef: {name: greet}
    workspaces: [{name: shared, workspace: shared}]
    params:
    - {name: inputs, value: '{"name":"Second"}'}
    - {name: upstream, value: '{"first":$(tasks.first.results.outputs)}'}
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: greet-twice-run}
spec:
  pipelineRef: {name: greet-twice}
  taskRunTemplate:
    podTemplate: {dnsPolicy: Default}
  workspaces:
  - name: shared
    volumeClaimTemplate:
      spec:
        accessModes: [ReadWriteOnce]
        resources: {requests: {storage: 16Mi}}
`

// runGreetPipeline creates the Task, Pipeline and PipelineRun in ns and waits until the run is
// done, returning it.
func runGreetPipeline(t *testing.T, ctx context.Context, c client.Client, ns, greet string) *unstructured.Unstructured {
	t.Helper()
	var run *unstructured.Unstructured
	for _, doc := range strings.Split(strings.ReplaceAll(greetPipeline, "GREET_IMAGE", greet), "\n---\n") {
		o := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &o.Object); err != nil {
			t.Fatal(err)
		}
		o.SetNamespace(ns)
		if err := c.Create(ctx, o); err != nil {
			t.Fatalf("creating %s %s: %v", o.GetKind(), o.GetName(), err)
		}
		run = o
	}
	began := time.Now()
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, client.ObjectKeyFromObject(run), run); err != nil {
			return false, err
		}
		return conditionStatus(run, "Succeeded") != "Unknown", nil
	})
	if err != nil {
		t.Fatalf("PipelineRun %s/%s not done: %v\nstatus: %v", ns, run.GetName(), err, run.Object["status"])
	}
	t.Logf("FIGURE PipelineRun create -> done: %.2fs", time.Since(began).Seconds())
	return run
}

// checkGreetPipelineRun asserts success, the exact results of both tasks, the result reaching
// the second task, and the workspace's claim bound by the dev cluster's provisioner.
func checkGreetPipelineRun(t *testing.T, ctx context.Context, c client.Client, run *unstructured.Unstructured) {
	t.Helper()
	if got := conditionStatus(run, "Succeeded"); got != "True" {
		t.Fatalf("PipelineRun Succeeded=%s, want True; status: %v", got, run.Object["status"])
	}
	results := map[string]string{}
	list, _, _ := unstructured.NestedSlice(run.Object, "status", "results")
	for _, r := range list {
		m := r.(map[string]any)
		results[m["name"].(string)] = fmt.Sprint(m["value"])
	}
	if diff := cmp.Diff(map[string]string{"first": firstOutputs, "second": secondOutputs}, results); diff != "" {
		t.Errorf("PipelineRun results (-want +got):\n%s", diff)
	}
	second := taskRunOf(t, ctx, c, run, "second")
	params, _, _ := unstructured.NestedSlice(second.Object, "spec", "params")
	var upstream string
	for _, p := range params {
		if m := p.(map[string]any); m["name"] == "upstream" {
			upstream = fmt.Sprint(m["value"])
		}
	}
	if want := `{"first":` + firstOutputs + `}`; upstream != want {
		t.Errorf("second TaskRun's upstream param = %s, want %s", upstream, want)
	}
	claims, err := suite.client.CoreV1().PersistentVolumeClaims(run.GetNamespace()).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(claims.Items) != 1 || claims.Items[0].Status.Phase != corev1.ClaimBound ||
		ptrValue(claims.Items[0].Spec.StorageClassName) != devcluster.StorageClassName {
		t.Errorf("workspace claims: %+v, want one Bound claim of StorageClass %s", claimSummary(claims), devcluster.StorageClassName)
	}
}

// taskRunOf returns the TaskRun of the pipeline task named task.
func taskRunOf(t *testing.T, ctx context.Context, c client.Client, run *unstructured.Unstructured, task string) *unstructured.Unstructured {
	t.Helper()
	list := &unstructured.UnstructuredList{}
	list.SetAPIVersion("tekton.dev/v1")
	list.SetKind("TaskRunList")
	err := c.List(ctx, list, client.InNamespace(run.GetNamespace()),
		client.MatchingLabels{"tekton.dev/pipelineRun": run.GetName(), "tekton.dev/pipelineTask": task})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("TaskRun of pipeline task %s: %d found, error %v", task, len(list.Items), err)
	}
	return &list.Items[0]
}

func conditionStatus(o *unstructured.Unstructured, condType string) string {
	conds, _, _ := unstructured.NestedSlice(o.Object, "status", "conditions")
	for _, c := range conds {
		if m := c.(map[string]any); m["type"] == condType {
			return fmt.Sprint(m["status"])
		}
	}
	return "Unknown"
}

func claimSummary(claims *corev1.PersistentVolumeClaimList) []string {
	var out []string
	for _, c := range claims.Items {
		out = append(out, fmt.Sprintf("%s %s class=%s", c.Name, c.Status.Phase, ptrValue(c.Spec.StorageClassName)))
	}
	return out
}

// logTektonMemory logs the resident memory of Tekton's processes on this node (the test runs on
// the node): the figure the issue asks for, next to the manager's.
func logTektonMemory(t *testing.T) {
	t.Helper()
	if found := logProcessMemory(t, "/ko-app/"); found < 4 {
		t.Errorf("found %d Tekton processes on the node, want at least the 4 Deployments' (is the test on the node?)", found)
	}
}

// logProcessMemory logs VmRSS and RssAnon of every process on this node whose command starts
// with prefix, as FIGURE lines, and returns how many it found.
func logProcessMemory(t *testing.T, prefix string) int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !strings.HasPrefix(string(cmdline), prefix) {
			continue
		}
		status, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(line, "VmRSS:") || strings.HasPrefix(line, "RssAnon:") {
				t.Logf("FIGURE memory %s (pid %s) %s", strings.SplitN(string(cmdline), "\x00", 2)[0], e.Name(), strings.Join(strings.Fields(line), " "))
			}
		}
		found++
	}
	return found
}
