//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/catalog"
)

// repoRoot is the source tree, relative to this package.
const repoRoot = "../.."

// Labels the workflow controller puts on the ActionExecutions of its steps.
const (
	labelWorkflow = "kubernaut.ai/workflow"
	labelStep     = "kubernaut.ai/step"
)

// TestWorkflowExecution_builtInActionsRunAsWorkflowsInTheCluster publishes the built-in action
// catalogue exactly as `make actions` does (built by our builder, pushed, signed), deploys the
// manager with that registry, and runs workflows for real: the seed's single-step workflow, the
// demo's four-step workflow with a shared workspace and outputs passed between steps, a failing
// middle step, and a manager restart in the middle of a workflow.
func TestWorkflowExecution_builtInActionsRunAsWorkflowsInTheCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	key := newSigner(t)
	published := publishCatalog(t, ctx, key)
	entries := map[string]string{}
	for _, p := range published {
		entries[p.Type] = p.Image
	}
	c := deployManager(t, ctx, key, entries)

	t.Run("the seed's single-step workflow scales a Deployment", func(t *testing.T) {
		seedSingleStep(t, ctx, c, entries["kubernetes/scale_deployment"])
	})
	t.Run("a four-step workflow shares a workspace and passes outputs on", func(t *testing.T) {
		fourSteps(t, ctx, c)
	})
	t.Run("a failing middle step skips its dependants, which get no Job", func(t *testing.T) {
		failingMiddleStep(t, ctx, c)
	})
	t.Run("a four-step sequential workflow's time is accounted for", func(t *testing.T) {
		sequentialFigure(t, ctx, c)
	})
	t.Run("built-in deployment and node actions change the cluster as documented", func(t *testing.T) {
		clusterActions(t, ctx, c)
	})
	t.Run("a manager restart mid-workflow neither stalls it nor duplicates a Job", func(t *testing.T) {
		managerRestart(t, ctx, c)
	})
}

// publishCatalog builds, pushes and signs every built-in action with key.
func publishCatalog(t *testing.T, ctx context.Context, key signer) []catalog.Published {
	t.Helper()
	actions, err := catalog.Discover(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	published, err := catalog.Publish(ctx, actions, catalog.PublishOptions{
		Registry: suite.cluster.Registry + "/e2e/actions", Signer: key.private, Progress: testLog{t},
	})
	if err != nil {
		t.Fatal(err)
	}
	return published
}

func seedSingleStep(t *testing.T, ctx context.Context, c client.Client, scaleImage string) {
	ns := createWorkflowNamespace(t, ctx, c, "e2e-wfe-seed-")
	createPaymentService(t, ctx, ns, 1)
	wfe := workflowFromFile(t, filepath.Join(repoRoot, "config", "samples", "workflowexecution_scale.yaml"), ns)
	wfe.Spec.Steps[0].Image = scaleImage // the only change to the seed's YAML: a real digest
	done := runWorkflow(t, ctx, c, wfe)
	assertPhase(t, done, workflowv1alpha1.WorkflowCompleted)
	step := done.Status.StepStatus("scale-deployment")
	if got := outputsOf(t, step)["actualReplicas"]; got != float64(10) {
		t.Errorf("outputs.actualReplicas = %v, want 10", got)
	}
	if step.VerifiedDigest == "" || !strings.HasSuffix(scaleImage, step.VerifiedDigest) || step.Signer == nil || step.Signer.KeyID == "" {
		t.Errorf("step verifiedDigest %q, signer %+v: want %s signed by the test key", step.VerifiedDigest, step.Signer, scaleImage)
	}
	d, err := suite.client.AppsV1().Deployments(ns).Get(ctx, "payment-service", metav1.GetOptions{})
	if err != nil || ptr.Deref(d.Spec.Replicas, 0) != 10 {
		t.Errorf("payment-service replicas %v (%v), want 10", d.Spec.Replicas, err)
	}
}

func fourSteps(t *testing.T, ctx context.Context, c client.Client) {
	ns := createWorkflowNamespace(t, ctx, c, "e2e-wfe-four-")
	createPaymentService(t, ctx, ns, 3)
	wfe := workflowFromFile(t, filepath.Join(repoRoot, "hack", "demo", "remediation.yaml"), ns)
	done := runWorkflow(t, ctx, c, wfe)
	assertPhase(t, done, workflowv1alpha1.WorkflowCompleted)
	notify := outputsOf(t, done.Status.StepStatus("notify"))
	if want := "payment-service scaled from 3 to 2 replicas; 2 pods ready"; notify["message"] != want {
		t.Errorf("notify's message = %q, want %q (outputs of scale and verify passed on)", notify["message"], want)
	}
	if got := notify["attachments"]; got != float64(2) {
		t.Errorf("notify saw %v attachments, want the 2 files the diagnose and verify steps wrote to the workspace", got)
	}
	assertPVCDeleted(t, ctx, ns, done.Status.WorkspacePVC)
}

// sequentialFigure runs four notify_only steps in sequence, without a workspace (the pods of
// workspace steps are deleted with the workspace), and reports where the time went.
func sequentialFigure(t *testing.T, ctx context.Context, c client.Client) {
	ns := createWorkflowNamespace(t, ctx, c, "e2e-wfe-figure-")
	done := runWorkflow(t, ctx, c, newWorkflow(ns, "sequential", chain(4)...))
	assertPhase(t, done, workflowv1alpha1.WorkflowCompleted)
	reportOverhead(t, ctx, c, done)
}

// chain is n notify_only steps s1 → s2 → … → sn.
func chain(n int) []workflowv1alpha1.WorkflowStep {
	steps := []workflowv1alpha1.WorkflowStep{notifyStep("s1", nil)}
	for i := 2; i <= n; i++ {
		steps = append(steps, notifyStep(fmt.Sprintf("s%d", i), []string{fmt.Sprintf("s%d", i-1)}))
	}
	return steps
}

func failingMiddleStep(t *testing.T, ctx context.Context, c client.Client) {
	ns := createWorkflowNamespace(t, ctx, c, "e2e-wfe-fail-")
	wfe := newWorkflow(ns, "fail-middle",
		notifyStep("first", nil),
		workflowv1alpha1.WorkflowStep{Name: "scale-missing", ActionType: "kubernetes/scale_deployment", RunAfter: []string{"first"},
			Inputs: rawInputs(t, map[string]any{"deployment": "does-not-exist", "replicas": 1})},
		notifyStep("after", []string{"scale-missing"}),
	)
	done := runWorkflow(t, ctx, c, wfe)
	assertPhase(t, done, workflowv1alpha1.WorkflowFailed)
	if done.Status.FailedStep != "scale-missing" {
		t.Errorf("status.failedStep = %q, want scale-missing", done.Status.FailedStep)
	}
	got := map[string]workflowv1alpha1.StepPhase{}
	for _, s := range done.Status.Steps {
		got[s.Name] = s.Phase
	}
	want := map[string]workflowv1alpha1.StepPhase{"first": workflowv1alpha1.StepCompleted, "scale-missing": workflowv1alpha1.StepFailed, "after": workflowv1alpha1.StepSkipped}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("step phases (-want +got):\n%s", diff)
	}
	if n := len(childrenOf(t, ctx, c, done, "after")); n != 0 {
		t.Errorf("the skipped step has %d ActionExecutions, want none", n)
	}
}

func managerRestart(t *testing.T, ctx context.Context, c client.Client) {
	ns := createWorkflowNamespace(t, ctx, c, "e2e-wfe-restart-")
	steps := chain(4)
	wfe := newWorkflow(ns, "restart", steps...)
	if err := c.Create(ctx, wfe); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the first step's ActionExecution", func(ctx context.Context) (bool, error) {
		return len(childrenOf(t, ctx, c, wfe, "s1")) > 0, nil
	})
	deleteManagerPods(t, ctx)
	done := waitWorkflow(t, ctx, c, wfe)
	assertPhase(t, done, workflowv1alpha1.WorkflowCompleted)
	for _, s := range steps {
		children := childrenOf(t, ctx, c, done, s.Name)
		jobs, err := suite.client.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(children) != 1 || countJobsOf(jobs.Items, children) != 1 {
			t.Errorf("step %s has %d ActionExecutions and %d Jobs, want exactly one of each", s.Name, len(children), countJobsOf(jobs.Items, children))
		}
	}
}

// deleteManagerPods deletes the manager's pods, as a node failure or an eviction would; the
// Deployment starts a new one, which must take over the workflow where the old one left it.
func deleteManagerPods(t *testing.T, ctx context.Context) {
	t.Helper()
	pods := suite.client.CoreV1().Pods("kubernaut-system")
	list, err := pods.List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/component=manager"})
	if err != nil || len(list.Items) == 0 {
		t.Fatalf("listing the manager's pods: %v (%d found)", err, len(list.Items))
	}
	for _, p := range list.Items {
		if err := pods.Delete(ctx, p.Name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		t.Logf("deleted manager pod %s mid-workflow", p.Name)
	}
}

// reportOverhead logs the tier-3 figure: the workflow's wall time against the sum of its
// pods' own run times, with the rest broken down by where it went, summed over the steps: the
// ActionExecution controller (creation → Job: verification, contract, checks), Kubernetes (Job →
// container started: Job controller, scheduler, kubelet, sandbox), the way back (container
// finished → ActionExecution finished: kubelet status, Job controller, outputs read), and the
// remainder: the workflow controller and its status round trips between steps.
func reportOverhead(t *testing.T, ctx context.Context, c client.Client, done *workflowv1alpha1.WorkflowExecution) {
	var total phaseTimes
	for _, s := range done.Status.Steps {
		for _, ae := range childrenOf(t, ctx, c, done, s.Name) {
			total.add(stepPhaseTimes(t, ctx, ae))
		}
	}
	wall := done.Status.CompletionTime.Sub(done.Status.StartTime.Time)
	rest := wall - total.launch - total.start - total.run - total.back
	t.Logf("FIGURE four-step sequential workflow: wall %.0fs; pods ran %.0fs; overhead %.0fs = verification and launch %.0fs + "+
		"Job to container start %.0fs + container end to step recorded %.0fs + workflow controller between steps %.0fs (API timestamps: 1s resolution)",
		wall.Seconds(), total.run.Seconds(), (wall - total.run).Seconds(), total.launch.Seconds(),
		total.start.Seconds(), total.back.Seconds(), rest.Seconds())
}

// phaseTimes splits one step's time between its ActionExecution's creation and its end.
type phaseTimes struct{ launch, start, run, back time.Duration }

func (p *phaseTimes) add(o phaseTimes) {
	p.launch, p.start, p.run, p.back = p.launch+o.launch, p.start+o.start, p.run+o.run, p.back+o.back
}

// stepPhaseTimes reads ae's timestamps and its pod's container state.
func stepPhaseTimes(t *testing.T, ctx context.Context, ae executionv1alpha1.ActionExecution) phaseTimes {
	if ae.Status.JobRef == nil || ae.Status.StartTime == nil || ae.Status.CompletionTime == nil {
		return phaseTimes{}
	}
	pods, err := suite.client.CoreV1().Pods(ae.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "job-name=" + ae.Status.JobRef.Name})
	if err != nil {
		t.Fatal(err)
	}
	p := phaseTimes{launch: ae.Status.StartTime.Sub(ae.CreationTimestamp.Time)}
	for _, pod := range pods.Items {
		for _, cs := range pod.Status.ContainerStatuses {
			if term := cs.State.Terminated; term != nil {
				p.start = term.StartedAt.Sub(ae.Status.StartTime.Time)
				p.run = term.FinishedAt.Sub(term.StartedAt.Time)
				p.back = ae.Status.CompletionTime.Sub(term.FinishedAt.Time)
			}
		}
	}
	return p
}

func countJobsOf(jobs []batchv1.Job, children []executionv1alpha1.ActionExecution) int {
	n := 0
	for _, j := range jobs {
		for _, ae := range children {
			if metav1.IsControlledBy(&j, &ae) {
				n++
			}
		}
	}
	return n
}

// childrenOf lists the ActionExecutions of one step of wfe.
func childrenOf(t *testing.T, ctx context.Context, c client.Client, wfe *workflowv1alpha1.WorkflowExecution, step string) []executionv1alpha1.ActionExecution {
	var list executionv1alpha1.ActionExecutionList
	if err := c.List(ctx, &list, client.InNamespace(wfe.Namespace), client.MatchingLabels{labelWorkflow: wfe.Name, labelStep: step}); err != nil {
		t.Fatal(err)
	}
	return list.Items
}

func notifyStep(name string, runAfter []string) workflowv1alpha1.WorkflowStep {
	return workflowv1alpha1.WorkflowStep{Name: name, ActionType: "kubernetes/notify_only", RunAfter: runAfter,
		Inputs: rawJSON(fmt.Sprintf(`{"message": "step %s"}`, name))}
}

func newWorkflow(ns, name string, steps ...workflowv1alpha1.WorkflowStep) *workflowv1alpha1.WorkflowExecution {
	return &workflowv1alpha1.WorkflowExecution{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       workflowv1alpha1.WorkflowExecutionSpec{Steps: steps},
	}
}

// workflowFromFile reads a WorkflowExecution manifest and puts it into namespace ns.
func workflowFromFile(t *testing.T, path, ns string) *workflowv1alpha1.WorkflowExecution {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wfe := &workflowv1alpha1.WorkflowExecution{}
	if err := yaml.UnmarshalStrict(data, wfe); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	wfe.Namespace = ns
	return wfe
}

// runWorkflow creates wfe and waits until it finishes.
func runWorkflow(t *testing.T, ctx context.Context, c client.Client, wfe *workflowv1alpha1.WorkflowExecution) *workflowv1alpha1.WorkflowExecution {
	t.Helper()
	if err := c.Create(ctx, wfe); err != nil {
		t.Fatalf("creating WorkflowExecution %s: %v", wfe.Name, err)
	}
	return waitWorkflow(t, ctx, c, wfe)
}

func waitWorkflow(t *testing.T, ctx context.Context, c client.Client, wfe *workflowv1alpha1.WorkflowExecution) *workflowv1alpha1.WorkflowExecution {
	t.Helper()
	got := &workflowv1alpha1.WorkflowExecution{}
	err := wait.PollUntilContextTimeout(ctx, time.Second, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, client.ObjectKeyFromObject(wfe), got); err != nil {
			return false, err
		}
		return got.Status.Phase.IsFinished(), nil
	})
	if err != nil {
		t.Fatalf("WorkflowExecution %s did not finish: %v; status %s", wfe.Name, err, statusJSON(got))
	}
	return got
}

func waitFor(t *testing.T, ctx context.Context, what string, cond wait.ConditionWithContextFunc) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 3*time.Minute, true, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

func assertPhase(t *testing.T, wfe *workflowv1alpha1.WorkflowExecution, want workflowv1alpha1.WorkflowPhase) {
	t.Helper()
	if wfe.Status.Phase != want {
		t.Fatalf("workflow %s phase %s, want %s; status %s", wfe.Name, wfe.Status.Phase, want, statusJSON(wfe))
	}
}

func statusJSON(wfe *workflowv1alpha1.WorkflowExecution) string {
	b, _ := json.MarshalIndent(wfe.Status, "", "  ")
	return string(b)
}

func outputsOf(t *testing.T, step *workflowv1alpha1.StepStatus) map[string]any {
	t.Helper()
	if step == nil || step.Outputs == nil {
		t.Fatalf("step %+v has no outputs", step)
	}
	var out map[string]any
	if err := json.Unmarshal(step.Outputs.Raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func assertPVCDeleted(t *testing.T, ctx context.Context, ns, name string) {
	t.Helper()
	if name == "" {
		t.Fatal("status.workspacePVC is empty for a workflow whose steps use the workspace")
	}
	waitFor(t, ctx, "the workspace PVC's deletion", func(ctx context.Context) (bool, error) {
		_, err := suite.client.CoreV1().PersistentVolumeClaims(ns).Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
}

// createPaymentService deploys the seed's payment-service: the dev cluster's pause image under
// the restricted profile, and waits until its replicas are ready.
func createPaymentService(t *testing.T, ctx context.Context, ns string, replicas int32) {
	t.Helper()
	labels := map[string]string{"app": "payment-service"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "payment-service"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{pauseContainer()}},
			},
		},
	}
	if _, err := suite.client.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "payment-service ready", func(ctx context.Context) (bool, error) {
		got, err := suite.client.AppsV1().Deployments(ns).Get(ctx, d.Name, metav1.GetOptions{})
		return err == nil && got.Status.ReadyReplicas == replicas, nil
	})
}

func pauseContainer() corev1.Container {
	return corev1.Container{
		Name: "payment-service", Image: suite.cluster.Registry + "/pause:1.0",
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("5m"), corev1.ResourceMemory: resource.MustParse("8Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("20m"), corev1.ResourceMemory: resource.MustParse("16Mi")},
		},
		SecurityContext: &corev1.SecurityContext{
			RunAsNonRoot: ptr.To(true), AllowPrivilegeEscalation: ptr.To(false), ReadOnlyRootFilesystem: ptr.To(true),
			Capabilities:   &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
	}
}

// createWorkflowNamespace creates a namespace whose workflows are deleted first at the end,
// while the manager still runs to release their ActionExecutions' finalizers.
func createWorkflowNamespace(t *testing.T, ctx context.Context, c client.Client, prefix string) string {
	t.Helper()
	ns := createNamespace(t, ctx, c, prefix)
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := c.DeleteAllOf(cctx, &workflowv1alpha1.WorkflowExecution{}, client.InNamespace(ns)); err != nil {
			t.Errorf("deleting the workflows in %s: %v", ns, err)
		}
	})
	return ns
}

func rawJSON(doc string) *runtime.RawExtension { return &runtime.RawExtension{Raw: []byte(doc)} }

func rawInputs(t *testing.T, inputs map[string]any) *runtime.RawExtension {
	t.Helper()
	b, err := json.Marshal(inputs)
	if err != nil {
		t.Fatal(err)
	}
	return &runtime.RawExtension{Raw: b}
}
