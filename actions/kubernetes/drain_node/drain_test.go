package main

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/action"
)

func TestDrainCordonsEvictsAndLeavesWhatBelongsToTheNode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	system := cluster.NewSandbox(t, contractFile) // stands in for kube-system
	node := newNode(t, sb)
	ns := sb.Namespace
	newPod(t, sb.Admin, ns, "web-1", node, podOpts{OwnerKind: "ReplicaSet"})
	newPod(t, sb.Admin, ns, "db-0", node, podOpts{OwnerKind: "StatefulSet"})
	newPod(t, sb.Admin, ns, "logs-x7", node, podOpts{OwnerKind: "DaemonSet"})
	newPod(t, sb.Admin, ns, "etcd-"+node, node, podOpts{Mirror: true})
	newPod(t, sb.Admin, system.Namespace, "coredns-1", node, podOpts{OwnerKind: "ReplicaSet"})
	newPod(t, sb.Admin, ns, "web-2", "another-node", podOpts{OwnerKind: "ReplicaSet"})

	r := runAction(t, sb, map[string]any{"node": node, "gracePeriodSeconds": 0, "ignoreNamespaces": []any{system.Namespace}})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"node": node, "previousUnschedulable": false, "unschedulable": true,
		"evicted": []any{ns + "/db-0", ns + "/web-1"},
		"skipped": sortedAny( // by namespace and name; the namespaces' names are random
			ns+"/etcd-"+node+": mirror of a static pod, managed by the kubelet",
			ns+"/logs-x7: managed by DaemonSet logs-x7-owner",
			system.Namespace+"/coredns-1: namespace "+system.Namespace+" is ignored",
		),
		"failed": []any{}, "drained": true, "dryRun": false,
	}, r)
	for _, p := range []struct {
		ns, name string
		want     bool
	}{{ns, "web-1", false}, {ns, "db-0", false}, {ns, "logs-x7", true}, {ns, "etcd-" + node, true}, {system.Namespace, "coredns-1", true}, {ns, "web-2", true}} {
		if got := podExists(t, sb.Admin, p.ns, p.name); got != p.want {
			t.Errorf("pod %s/%s exists = %t after the drain, want %t", p.ns, p.name, got, p.want)
		}
	}
	n, err := sb.Admin.CoreV1().Nodes().Get(context.Background(), node, metav1.GetOptions{})
	if err != nil || !n.Spec.Unschedulable {
		t.Errorf("the node is not cordoned after the drain: %v", err)
	}
}

func TestAnEvictionTheBudgetRefusesIsRetriedUntilTheTimeoutAndReported(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := newNode(t, sb)
	newPod(t, sb.Admin, sb.Namespace, "web-1", node, podOpts{OwnerKind: "ReplicaSet", Labels: map[string]string{"app": "web"}})
	newBudget(t, sb, "web", 0)

	started := time.Now()
	r := runAction(t, sb, map[string]any{"node": node, "gracePeriodSeconds": 0, "timeoutSeconds": 1, "allowIncomplete": true})

	actiontesting.MustSucceed(t, r)
	if time.Since(started) < time.Second {
		t.Errorf("the action gave up after %s, before the timeout of 1s", time.Since(started))
	}
	failed, _ := r.Outputs["failed"].([]any)
	if len(failed) != 1 || !containsAll(failed[0], sb.Namespace+"/web-1: eviction refused until the timeout", "disruption budget") {
		t.Errorf("failed = %v, want web-1 refused by its disruption budget", r.Outputs["failed"])
	}
	if r.Outputs["drained"] != false || !podExists(t, sb.Admin, sb.Namespace, "web-1") {
		t.Errorf("drained = %v, pod still there = %t; want false and true", r.Outputs["drained"], podExists(t, sb.Admin, sb.Namespace, "web-1"))
	}

	r = runAction(t, sb, map[string]any{"node": node, "gracePeriodSeconds": 0, "timeoutSeconds": 1})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "node "+node+" is cordoned but not drained: 1 pods could not be evicted: "+sb.Namespace+"/web-1: eviction refused")
}

func TestAnEvictionSucceedsOnceTheBudgetAllowsIt(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := newNode(t, sb)
	newPod(t, sb.Admin, sb.Namespace, "web-1", node, podOpts{OwnerKind: "ReplicaSet", Labels: map[string]string{"app": "web"}})
	pdb := newBudget(t, sb, "web", 0)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // a replacement became ready elsewhere: the disruption controller allows one
		defer wg.Done()
		waitCordoned(t, sb, node) // the drain evicts right after the cordon
		time.Sleep(10 * testInterval)
		setAllowedDisruptions(t, sb, pdb, 1)
	}()

	r := runAction(t, sb, map[string]any{"node": node, "gracePeriodSeconds": 0, "timeoutSeconds": 30})
	wg.Wait()

	actiontesting.MustSucceed(t, r)
	if evicted, _ := r.Outputs["evicted"].([]any); len(evicted) != 1 || podExists(t, sb.Admin, sb.Namespace, "web-1") {
		t.Errorf("evicted = %v; want web-1 evicted after the budget allowed it", r.Outputs["evicted"])
	}
	if !containsAll(r.Stderr, "eviction of "+sb.Namespace+"/web-1 refused, retrying") {
		t.Errorf("the log does not show the refusal that was retried:\n%s", r.Stderr)
	}
}

func TestTheGracePeriodIsPassedOnAndTheDrainWaitsUntilThePodsAreGone(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := newNode(t, sb)
	newPod(t, sb.Admin, sb.Namespace, "web-1", node, podOpts{OwnerKind: "ReplicaSet"})
	ctx, stop := context.WithCancel(context.Background())
	graces := make(chan int64, 1)
	go fakeKubelet(ctx, sb, node, graces)
	defer stop()

	r := runAction(t, sb, map[string]any{"node": node, "gracePeriodSeconds": 7, "timeoutSeconds": 30})

	actiontesting.MustSucceed(t, r)
	select {
	case g := <-graces:
		if g != 7 {
			t.Errorf("the pod was evicted with a grace period of %ds, want 7", g)
		}
	default:
		t.Fatal("the fake kubelet saw no terminating pod")
	}
	actiontesting.DiffOutputs(t, map[string]any{
		"node": node, "previousUnschedulable": false, "unschedulable": true, "evicted": []any{sb.Namespace + "/web-1"},
		"skipped": []any{}, "failed": []any{}, "drained": true, "dryRun": false,
	}, r)
}

// waitCordoned returns once node is unschedulable, or after 30 s with an error.
func waitCordoned(t *testing.T, sb *kubetest.Sandbox, node string) {
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(testInterval) {
		n, err := sb.Admin.CoreV1().Nodes().Get(context.Background(), node, metav1.GetOptions{})
		if err == nil && n.Spec.Unschedulable {
			return
		}
	}
	t.Errorf("node %s was not cordoned within 30s", node)
}

// fakeKubelet does what the kubelet does for a terminating pod on node, which envtest lacks:
// it stops the pod and removes it (a deletion with grace period 0). It sends the grace period
// the pod was deleted with to graces.
func fakeKubelet(ctx context.Context, sb *kubetest.Sandbox, node string, graces chan<- int64) {
	onNode := metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("spec.nodeName", node).String()}
	for ctx.Err() == nil {
		pods, err := sb.Admin.CoreV1().Pods(sb.Namespace).List(ctx, onNode)
		if err == nil {
			for _, p := range pods.Items {
				if p.DeletionTimestamp == nil {
					continue
				}
				select {
				case graces <- *p.DeletionGracePeriodSeconds:
				default:
				}
				_ = sb.Admin.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: ptrTo(int64(0))})
			}
		}
		time.Sleep(testInterval)
	}
}

func TestPodsWithoutAControllerStopTheDrainUnlessForced(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := newNode(t, sb)
	newPod(t, sb.Admin, sb.Namespace, "debug", node, podOpts{})
	newPod(t, sb.Admin, sb.Namespace, "migration", node, podOpts{Phase: corev1.PodSucceeded}) // finished: no obstacle
	newPod(t, sb.Admin, sb.Namespace, "web-1", node, podOpts{OwnerKind: "ReplicaSet"})

	r := runAction(t, sb, map[string]any{"node": node, "gracePeriodSeconds": 0})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "node "+node+" is cordoned, but no pod was evicted: 1 pods have no controller, so nothing would recreate them: "+sb.Namespace+"/debug")
	if !podExists(t, sb.Admin, sb.Namespace, "web-1") || !podExists(t, sb.Admin, sb.Namespace, "debug") {
		t.Fatalf("a pod was evicted although the drain was refused")
	}
	r = runAction(t, sb, map[string]any{"node": node, "dryRun": true})
	actiontesting.MustFail(t, r, action.ExitActionFailed, "dry run: node "+node+" would be cordoned, but no pod was evicted: 1 pods have no controller")

	r = runAction(t, sb, map[string]any{"node": node, "gracePeriodSeconds": 0, "force": true})

	actiontesting.MustSucceed(t, r)
	if podExists(t, sb.Admin, sb.Namespace, "debug") || podExists(t, sb.Admin, sb.Namespace, "web-1") || podExists(t, sb.Admin, sb.Namespace, "migration") {
		t.Errorf("with force every pod should be evicted; evicted = %v", r.Outputs["evicted"])
	}
}

func TestDryRunReportsTheDrainAndChangesNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := newNode(t, sb)
	newPod(t, sb.Admin, sb.Namespace, "web-1", node, podOpts{OwnerKind: "ReplicaSet", Labels: map[string]string{"app": "web"}})
	newPod(t, sb.Admin, sb.Namespace, "db-0", node, podOpts{OwnerKind: "StatefulSet", Labels: map[string]string{"app": "db"}})
	newBudget(t, sb, "db", 0)

	r := runAction(t, sb, map[string]any{"node": node, "dryRun": true, "timeoutSeconds": 1, "allowIncomplete": true})

	actiontesting.MustSucceed(t, r)
	if evicted, _ := r.Outputs["evicted"].([]any); len(evicted) != 1 || evicted[0] != sb.Namespace+"/web-1" {
		t.Errorf("evicted = %v, want web-1 only: db-0's budget refuses, also in a dry run", r.Outputs["evicted"])
	}
	if r.Outputs["unschedulable"] != true || r.Outputs["dryRun"] != true {
		t.Errorf("outputs %v: want unschedulable and dryRun true", r.Outputs)
	}
	n, err := sb.Admin.CoreV1().Nodes().Get(context.Background(), node, metav1.GetOptions{})
	if err != nil || n.Spec.Unschedulable {
		t.Errorf("the dry run cordoned the node (err %v)", err)
	}
	if !podExists(t, sb.Admin, sb.Namespace, "web-1") || !podExists(t, sb.Admin, sb.Namespace, "db-0") {
		t.Errorf("the dry run evicted a pod")
	}
}

func TestAMissingNodeFailsNamingIt(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)

	r := runAction(t, sb, map[string]any{"node": "no-such-node"})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "node no-such-node not found: check the inputs")
}

func TestTheContractGrantsWhatDrainingNeedsAndNothingElse(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	node := newNode(t, sb)
	newPod(t, sb.Admin, sb.Namespace, "web-1", node, podOpts{OwnerKind: "ReplicaSet"})
	ctx := context.Background()

	err := sb.Client.CoreV1().Pods(sb.Namespace).Delete(ctx, "web-1", metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete a pod, bypassing its disruption budget")
	err = sb.Client.CoreV1().Nodes().Delete(ctx, node, metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete the node")
	_, err = sb.Client.PolicyV1().PodDisruptionBudgets(sb.Namespace).List(ctx, metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list disruption budgets")

	for _, denied := range []struct{ group, verb, resource, subresource string }{
		{"", "update", "nodes", ""}, {"", "list", "nodes", ""}, {"", "patch", "nodes", "status"},
		{"", "delete", "pods", ""}, {"", "deletecollection", "pods", ""}, {"", "patch", "pods", ""},
		{"", "watch", "pods", ""}, {"", "create", "pods", "exec"}, {"policy", "update", "poddisruptionbudgets", ""},
		{"apps", "delete", "daemonsets", ""},
	} {
		if sb.ClusterAllowed(t, kubetest.Attrs(denied.group, denied.resource, denied.subresource, denied.verb)) {
			t.Errorf("the contract allows %s on %s/%s; it must not", denied.verb, denied.resource, denied.subresource)
		}
	}
}

// sortedAny returns the strings sorted, as the []any of an array output.
func sortedAny(s ...string) []any {
	var out []any
	for _, v := range slices.Sorted(slices.Values(s)) {
		out = append(out, v)
	}
	return out
}

// containsAll reports whether v is a string that contains every part.
func containsAll(v any, parts ...string) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
