//go:build e2e

package e2e

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// The test's own taint: PreferNoSchedule, because a hard taint on the only node would keep
// every later pod of the suite off it if a run died between taint and untaint.
const (
	e2eTaintKey   = "e2e.kubernaut.ai/cluster-actions"
	e2eTaintValue = "tier3"
	e2eTaint      = e2eTaintKey + "=" + e2eTaintValue + ":PreferNoSchedule"
)

// Annotations the deployment actions leave on the pod template, and so on the pods.
const (
	annotationRestartedAt = "kubectl.kubernetes.io/restartedAt"
	annotationDebugRecord = "kubernaut.ai/debug-mode"
	annotationRevision    = "deployment.kubernetes.io/revision"
)

// clusterActions runs built-in deployment and node actions as workflows on the Job engine
// against the dev cluster's real controllers, scheduler and kubelet, and checks each step's
// documented outputs and what the cluster looks like afterwards (issue 7, tier 3).
func clusterActions(t *testing.T, ctx context.Context, c client.Client) {
	t.Run("restart, resize, roll back and debug a Deployment, each rolled out to live pods", func(t *testing.T) {
		deploymentActions(t, ctx, c)
	})
	t.Run("taint, cordon, uncordon and untaint the node, leaving it as it was", func(t *testing.T) {
		nodeActions(t, ctx, c)
	})
}

// deploymentActions runs two workflows on payment-service (and an autoscaler of it): restart →
// increase_resources next to update_hpa, then rollback_deployment → enable_debug_mode → disable,
// which must return the pods to the template of the restart.
func deploymentActions(t *testing.T, ctx context.Context, c client.Client) {
	ns := createWorkflowNamespace(t, ctx, c, "e2e-wfe-deploy-")
	restrictNamespace(t, ctx, ns)
	createPaymentService(t, ctx, ns, 2)
	createAutoscaler(t, ctx, ns, 1, 2)
	restartedAt := restartAndResize(t, ctx, c, ns)
	rollbackAndDebug(t, ctx, c, ns, restartedAt)
}

// restartAndResize restarts payment-service, then raises its resources, and meanwhile widens
// its autoscaler's bounds. It checks that every pod was replaced by one with the restartedAt
// annotation and the raised resources, and returns restartedAt.
func restartAndResize(t *testing.T, ctx context.Context, c client.Client, ns string) string {
	t.Helper()
	original := podUIDs(livePods(t, ctx, ns))
	done := runWorkflow(t, ctx, c, onJobs(newWorkflow(ns, "restart-and-resize",
		deployStep("restart", "kubernetes/restart_deployment", nil, nil),
		deployStep("resize", "kubernetes/increase_resources", []string{"restart"},
			map[string]any{"cpuRequest": "x2", "cpuLimit": "40m", "memoryRequest": "12Mi", "memoryLimit": "x2"}),
		workflowv1alpha1.WorkflowStep{Name: "bounds", ActionType: "kubernetes/update_hpa", Inputs: rawInputs(t, map[string]any{"hpa": "payment-service", "minReplicas": 2, "maxReplicas": 4})},
	)))
	assertPhase(t, done, workflowv1alpha1.WorkflowCompleted)
	restartedAt := checkRestart(t, done.Status.StepStatus("restart"))
	expectOutputs(t, done.Status.StepStatus("resize"), map[string]any{
		"container": "payment-service", "changed": true, "updatedReplicas": float64(2), "availableReplicas": float64(2),
		"previousCpuRequest": "5m", "cpuRequest": "10m", "previousCpuLimit": "20m", "cpuLimit": "40m",
		"previousMemoryRequest": "8Mi", "memoryRequest": "12Mi", "previousMemoryLimit": "16Mi", "memoryLimit": "32Mi",
	})
	expectOutputs(t, done.Status.StepStatus("bounds"), map[string]any{
		"target": "Deployment/payment-service", "previousMinReplicas": float64(1), "minReplicas": float64(2),
		"previousMaxReplicas": float64(2), "maxReplicas": float64(4), "changed": true,
	})
	expectAutoscalerBounds(t, ctx, ns, 2, 4)
	raised := map[string]string{"requests.cpu": "10m", "requests.memory": "12Mi", "limits.cpu": "40m", "limits.memory": "32Mi"}
	for _, pod := range expectLivePods(t, ctx, ns, 2, restartedAt, raised) {
		if original[pod.UID] {
			t.Errorf("pod %s of the original template survived the restart", pod.Name)
		}
	}
	return restartedAt
}

// rollbackAndDebug rolls payment-service back to the restart's revision, then turns debug mode
// on and off; the pods must end with the resources as created and no debug variable.
func rollbackAndDebug(t *testing.T, ctx context.Context, c client.Client, ns, restartedAt string) {
	t.Helper()
	done := runWorkflow(t, ctx, c, onJobs(newWorkflow(ns, "rollback-and-debug",
		deployStep("rollback", "kubernetes/rollback_deployment", nil, nil),
		deployStep("debug-on", "kubernetes/enable_debug_mode", []string{"rollback"}, map[string]any{"env": map[string]string{"LOG_LEVEL": "debug"}}),
		deployStep("debug-off", "kubernetes/enable_debug_mode", []string{"debug-on"}, map[string]any{"disable": true}),
	)))
	assertPhase(t, done, workflowv1alpha1.WorkflowCompleted)
	// Revisions: 1 as created, 2 the restart, 3 the resize; the previous one is the restart's.
	expectOutputs(t, done.Status.StepStatus("rollback"), map[string]any{
		"fromRevision": float64(3), "toRevision": float64(2), "changed": true, "updatedReplicas": float64(2), "availableReplicas": float64(2),
	})
	debugRevision := checkDebugMode(t, done)
	expectDebugRolledOut(t, ctx, ns, debugRevision)
	created := map[string]string{"requests.cpu": "5m", "requests.memory": "8Mi", "limits.cpu": "20m", "limits.memory": "16Mi"}
	for _, pod := range expectLivePods(t, ctx, ns, 2, restartedAt, created) {
		if env := pod.Spec.Containers[0].Env; len(env) != 0 {
			t.Errorf("pod %s has env %v after disable, want none, as before debug mode", pod.Name, env)
		}
		if record, ok := pod.Annotations[annotationDebugRecord]; ok {
			t.Errorf("pod %s still carries the debug record %s", pod.Name, record)
		}
	}
}

// createAutoscaler creates an autoscaler of payment-service with the bounds given. The dev
// cluster has no metrics API, so the autoscaler never changes the replicas (2, within both its
// old and new bounds) while the test counts pods.
func createAutoscaler(t *testing.T, ctx context.Context, ns string, minReplicas, maxReplicas int32) {
	t.Helper()
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "payment-service"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "payment-service"},
			MinReplicas:    ptr.To(minReplicas), MaxReplicas: maxReplicas,
		},
	}
	if _, err := suite.client.AutoscalingV2().HorizontalPodAutoscalers(ns).Create(ctx, hpa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func expectAutoscalerBounds(t *testing.T, ctx context.Context, ns string, minReplicas, maxReplicas int32) {
	t.Helper()
	hpa, err := suite.client.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, "payment-service", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := [2]int32{ptr.Deref(hpa.Spec.MinReplicas, 1), hpa.Spec.MaxReplicas}; got != [2]int32{minReplicas, maxReplicas} {
		t.Errorf("autoscaler bounds [min max] = %v, want [%d %d]", got, minReplicas, maxReplicas)
	}
}

// checkRestart checks the restart step's outputs and returns the restartedAt it set.
func checkRestart(t *testing.T, step *workflowv1alpha1.StepStatus) string {
	t.Helper()
	out := outputsOf(t, step)
	expectOutputs(t, step, map[string]any{"previousRestartedAt": "", "updatedReplicas": float64(2), "availableReplicas": float64(2), "dryRun": false})
	restartedAt, _ := out["restartedAt"].(string)
	if _, err := time.Parse(time.RFC3339, restartedAt); err != nil {
		t.Errorf("outputs.restartedAt = %q, want an RFC 3339 time: %v", out["restartedAt"], err)
	}
	prev, _ := out["previousGeneration"].(float64)
	if gen, _ := out["generation"].(float64); gen <= prev {
		t.Errorf("outputs.generation %v, previousGeneration %v: the restart must be a new generation", gen, prev)
	}
	return restartedAt
}

// checkDebugMode checks that debug-on set LOG_LEVEL where there was none and debug-off took it
// away again, and returns the revision that debug-on rolled out.
func checkDebugMode(t *testing.T, done *workflowv1alpha1.WorkflowExecution) int {
	t.Helper()
	on := done.Status.StepStatus("debug-on")
	expectOutputs(t, on, map[string]any{
		"container": "payment-service", "previousEnv": map[string]any{"LOG_LEVEL": nil}, "env": map[string]any{"LOG_LEVEL": "debug"},
		"enabled": true, "changed": true, "updatedReplicas": float64(2), "availableReplicas": float64(2),
	})
	expectOutputs(t, done.Status.StepStatus("debug-off"), map[string]any{
		"previousEnv": map[string]any{"LOG_LEVEL": "debug"}, "env": map[string]any{"LOG_LEVEL": nil},
		"enabled": false, "changed": true, "updatedReplicas": float64(2), "availableReplicas": float64(2),
	})
	out := outputsOf(t, on)
	revision, _ := out["revision"].(float64)
	previous, _ := out["previousRevision"].(float64)
	if revision <= previous {
		t.Errorf("debug-on: outputs.revision %v, previousRevision %v: enabling must roll out a new revision", revision, previous)
	}
	return int(revision)
}

// expectDebugRolledOut checks the ReplicaSet of debug-on's revision: the Deployment controller
// really ran a template with LOG_LEVEL=debug, not just accepted the patch.
func expectDebugRolledOut(t *testing.T, ctx context.Context, ns string, revision int) {
	t.Helper()
	list, err := suite.client.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=payment-service"})
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range list.Items {
		if rs.Annotations[annotationRevision] != strconv.Itoa(revision) {
			continue
		}
		want := []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "debug"}}
		if diff := cmp.Diff(want, rs.Spec.Template.Spec.Containers[0].Env); diff != "" {
			t.Errorf("ReplicaSet %s of debug mode's revision %d: env (-want +got):\n%s", rs.Name, revision, diff)
		}
		return
	}
	t.Errorf("no ReplicaSet of payment-service has revision %d, the one debug-on reported", revision)
}

// expectLivePods checks that n pods of payment-service run (terminating ones aside), each with
// the restartedAt annotation and the container resources given, and returns them.
func expectLivePods(t *testing.T, ctx context.Context, ns string, n int, restartedAt string, resources map[string]string) []corev1.Pod {
	t.Helper()
	pods := livePods(t, ctx, ns)
	if len(pods) != n {
		t.Fatalf("%d live pods of payment-service, want %d: %v", len(pods), n, podNames(pods))
	}
	for _, pod := range pods {
		if pod.Status.Phase != corev1.PodRunning {
			t.Errorf("pod %s is %s, want Running", pod.Name, pod.Status.Phase)
		}
		if got := pod.Annotations[annotationRestartedAt]; got != restartedAt {
			t.Errorf("pod %s: annotation %s = %q, want %q from the restart step", pod.Name, annotationRestartedAt, got, restartedAt)
		}
		if diff := cmp.Diff(resources, resourceStrings(pod.Spec.Containers[0].Resources)); diff != "" {
			t.Errorf("pod %s: resources (-want +got):\n%s", pod.Name, diff)
		}
	}
	return pods
}

// nodeActions runs taint → cordon → uncordon → untaint on the cluster's only node. A cordoned
// node accepts no new pod, except one that tolerates the cordon: the uncordon step's contract
// asks for that (spec.scheduling.tolerateCordonedNodes), so in a cluster of one cordoned node
// the workflow still finishes, its uncordon step having run on the cordoned node.
func nodeActions(t *testing.T, ctx context.Context, c client.Client) {
	node, before := onlyNode(t, ctx)
	ns := createWorkflowNamespace(t, ctx, c, "e2e-wfe-node-")
	restrictNamespace(t, ctx, ns)
	// Registered last, so that it runs first: the node is restored before the namespace's
	// deletion is waited for.
	restoreNodeAtCleanup(t, node)
	on := map[string]any{"node": node}
	wfe := onJobs(newWorkflow(ns, "node-maintenance",
		nodeStep("taint", "kubernetes/taint_node", nil, on, map[string]any{"key": e2eTaintKey, "value": e2eTaintValue, "effect": "PreferNoSchedule"}),
		nodeStep("cordon", "kubernetes/cordon_node", []string{"taint"}, on, nil),
		nodeStep("uncordon", "kubernetes/uncordon_node", []string{"cordon"}, on, nil),
		nodeStep("untaint", "kubernetes/untaint_node", []string{"uncordon"}, on, map[string]any{"key": e2eTaintKey, "effect": "PreferNoSchedule"}),
	))
	if err := c.Create(ctx, wfe); err != nil {
		t.Fatalf("creating WorkflowExecution %s: %v", wfe.Name, err)
	}
	done := waitWorkflow(t, ctx, c, wfe)
	assertPhase(t, done, workflowv1alpha1.WorkflowCompleted)
	checkNodeSteps(t, done, node)
	expectRanOnCordonedNode(t, ctx, c, done, "uncordon", node)
	waitFor(t, ctx, "the node as it was: schedulable, its taints as before", func(ctx context.Context) (bool, error) {
		n, err := suite.client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		return err == nil && !n.Spec.Unschedulable && slices.Equal(taintStrings(n.Spec.Taints), before), err
	})
}

// expectRanOnCordonedNode checks that the pod of step ran on node tolerating the cordon, and
// that it succeeded: only the contract's toleration let it onto the one node, cordoned then (the
// step's outputs say previousUnschedulable: true).
func expectRanOnCordonedNode(t *testing.T, ctx context.Context, c client.Client, done *workflowv1alpha1.WorkflowExecution, step, node string) {
	t.Helper()
	var ran []string
	for _, ae := range childrenOf(t, ctx, c, done, step) {
		if ae.Status.JobRef == nil {
			continue
		}
		pods, err := suite.client.CoreV1().Pods(done.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "job-name=" + ae.Status.JobRef.Name})
		if err != nil {
			t.Fatal(err)
		}
		for _, pod := range pods.Items {
			tolerates := slices.ContainsFunc(pod.Spec.Tolerations, func(tl corev1.Toleration) bool {
				return tl.Key == corev1.TaintNodeUnschedulable && tl.Effect == corev1.TaintEffectNoSchedule
			})
			if !tolerates || pod.Spec.NodeName != node || pod.Status.Phase != corev1.PodSucceeded {
				t.Errorf("step %s's pod %s: tolerates the cordon %t, node %q, phase %s; want true, %q, Succeeded",
					step, pod.Name, tolerates, pod.Spec.NodeName, pod.Status.Phase, node)
			}
			ran = append(ran, pod.Name)
		}
	}
	if len(ran) != 1 {
		t.Errorf("step %s ran %d pods (%v), want 1", step, len(ran), ran)
	}
}

// checkNodeSteps checks the four node steps' outputs.
func checkNodeSteps(t *testing.T, done *workflowv1alpha1.WorkflowExecution, node string) {
	t.Helper()
	expectOutputs(t, done.Status.StepStatus("taint"), map[string]any{"node": node, "taint": e2eTaint, "replaced": "", "changed": true, "dryRun": false})
	expectTaint(t, done, "taint", "taints", true)
	expectOutputs(t, done.Status.StepStatus("cordon"), map[string]any{"node": node, "previousUnschedulable": false, "unschedulable": true, "changed": true})
	expectOutputs(t, done.Status.StepStatus("uncordon"), map[string]any{"node": node, "previousUnschedulable": true, "unschedulable": false, "changed": true})
	expectOutputs(t, done.Status.StepStatus("untaint"), map[string]any{"node": node, "removed": []any{e2eTaint}, "changed": true})
	expectTaint(t, done, "untaint", "previousTaints", true)
	expectTaint(t, done, "untaint", "taints", false)
}

// expectTaint checks whether the list output of step holds the test's taint.
func expectTaint(t *testing.T, done *workflowv1alpha1.WorkflowExecution, step, output string, want bool) {
	t.Helper()
	list, _ := outputsOf(t, done.Status.StepStatus(step))[output].([]any)
	if got := slices.Contains(list, any(e2eTaint)); got != want {
		t.Errorf("%s: outputs.%s = %v; holds %s: %t, want %t", step, output, list, e2eTaint, got, want)
	}
}

// onlyNode returns the cluster's node and its taints before the test; the node steps are
// written for the dev cluster's single node, which must be schedulable when they start.
func onlyNode(t *testing.T, ctx context.Context) (string, []string) {
	t.Helper()
	nodes, err := suite.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes.Items) != 1 {
		t.Fatalf("the cluster has %d nodes, want the dev cluster's one: on more, the uncordon step would not wait for the cordon to end", len(nodes.Items))
	}
	n := nodes.Items[0]
	taints := taintStrings(n.Spec.Taints)
	if n.Spec.Unschedulable || slices.ContainsFunc(taints, func(s string) bool { return s == e2eTaint }) {
		t.Fatalf("node %s is cordoned (%t) or carries %s before the test (taints %v); run kubectl uncordon %s; kubectl taint node %s %s-",
			n.Name, n.Spec.Unschedulable, e2eTaint, taints, n.Name, n.Name, e2eTaintKey)
	}
	return n.Name, taints
}

// restoreNodeAtCleanup uncordons node and removes the test's taint when the test ends, however
// it ends: a single node left cordoned or tainted would break every later test of the suite.
func restoreNodeAtCleanup(t *testing.T, node string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		nodes := suite.client.CoreV1().Nodes()
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			n, err := nodes.Get(ctx, node, metav1.GetOptions{})
			if err != nil {
				return err
			}
			kept := slices.DeleteFunc(slices.Clone(n.Spec.Taints), func(tn corev1.Taint) bool { return tn.Key == e2eTaintKey })
			if !n.Spec.Unschedulable && len(kept) == len(n.Spec.Taints) {
				return nil
			}
			n.Spec.Unschedulable, n.Spec.Taints = false, kept
			_, err = nodes.Update(ctx, n, metav1.UpdateOptions{})
			return err
		})
		if err != nil {
			t.Errorf("restoring node %s: %v; restore it by hand: kubectl uncordon %s; kubectl taint node %s %s-", node, err, node, node, e2eTaintKey)
		}
	})
}

func deployStep(name, actionType string, runAfter []string, inputs map[string]any) workflowv1alpha1.WorkflowStep {
	all := map[string]any{"deployment": "payment-service"}
	for k, v := range inputs {
		all[k] = v
	}
	return workflowv1alpha1.WorkflowStep{Name: name, ActionType: actionType, RunAfter: runAfter, Inputs: rawJSON(mustJSON(all))}
}

func nodeStep(name, actionType string, runAfter []string, common, inputs map[string]any) workflowv1alpha1.WorkflowStep {
	all := map[string]any{}
	for _, m := range []map[string]any{common, inputs} {
		for k, v := range m {
			all[k] = v
		}
	}
	return workflowv1alpha1.WorkflowStep{Name: name, ActionType: actionType, RunAfter: runAfter, Inputs: rawJSON(mustJSON(all))}
}

// onJobs pins wfe to the Job engine, whatever the manager's routing rules say (Tekton may be
// installed in the cluster): the node steps look for each step's Job.
func onJobs(wfe *workflowv1alpha1.WorkflowExecution) *workflowv1alpha1.WorkflowExecution {
	wfe.Annotations = map[string]string{workflowv1alpha1.EngineAnnotation: string(workflowv1alpha1.EngineJobs)}
	return wfe
}

// expectOutputs compares the outputs named in want with the step's; other outputs are ignored.
func expectOutputs(t *testing.T, step *workflowv1alpha1.StepStatus, want map[string]any) {
	t.Helper()
	if step == nil || step.Phase != workflowv1alpha1.StepCompleted {
		t.Errorf("step %+v did not complete", step)
		return
	}
	out := outputsOf(t, step)
	got := map[string]any{}
	for k := range want {
		got[k] = out[k]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("step %s: outputs (-want +got):\n%s", step.Name, diff)
	}
}

// restrictNamespace enforces the restricted Pod Security profile in ns, as in the demo: the
// action pods and the sample Deployment must both pass it.
func restrictNamespace(t *testing.T, ctx context.Context, ns string) {
	t.Helper()
	patch := []byte(`{"metadata":{"labels":{"pod-security.kubernetes.io/enforce":"restricted"}}}`)
	if _, err := suite.client.CoreV1().Namespaces().Patch(ctx, ns, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}

// livePods lists payment-service's pods that are not being deleted.
func livePods(t *testing.T, ctx context.Context, ns string) []corev1.Pod {
	t.Helper()
	list, err := suite.client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=payment-service"})
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(list.Items, func(p corev1.Pod) bool { return p.DeletionTimestamp != nil })
}

func podUIDs(pods []corev1.Pod) map[types.UID]bool {
	uids := map[types.UID]bool{}
	for _, p := range pods {
		uids[p.UID] = true
	}
	return uids
}

func podNames(pods []corev1.Pod) []string {
	names := []string{}
	for _, p := range pods {
		names = append(names, p.Name)
	}
	return names
}

func resourceStrings(r corev1.ResourceRequirements) map[string]string {
	out := map[string]string{}
	for prefix, list := range map[string]corev1.ResourceList{"requests.": r.Requests, "limits.": r.Limits} {
		for name, q := range list {
			out[prefix+string(name)] = q.String()
		}
	}
	return out
}

// taintStrings renders taints as the node actions do: key=value:effect, or key:effect.
func taintStrings(taints []corev1.Taint) []string {
	out := []string{}
	for _, tn := range taints {
		if tn.Value == "" {
			out = append(out, tn.Key+":"+string(tn.Effect))
		} else {
			out = append(out, tn.Key+"="+tn.Value+":"+string(tn.Effect))
		}
	}
	return out
}
