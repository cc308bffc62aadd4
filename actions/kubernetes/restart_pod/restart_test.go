package main

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/action"
)

func TestRestartDeletesAPodThatAReplicaSetOwns(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	rs := sb.NewReplicaSet(t, "web-7d4b9")
	pod := sb.NewPod(t, "web-7d4b9-x2k4p", "", rs, nil)

	r := runAction(t, sb, map[string]any{"pod": pod.Name})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"pod": pod.Name, "namespace": sb.Namespace, "uid": string(pod.UID), "controller": "ReplicaSet/web-7d4b9",
		"node": "", "deleted": true, "dryRun": false,
	}, r)
	if sb.GetPod(t, pod.Name) != nil {
		t.Errorf("the pod still exists after the action")
	}
}

func TestRestartUsesThePodsOwnGracePeriod(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	rs := sb.NewReplicaSet(t, "web")
	pod := sb.NewPod(t, "web-1", "node-a", rs, nil)

	r := runAction(t, sb, map[string]any{"pod": pod.Name})

	actiontesting.MustSucceed(t, r)
	after := sb.GetPod(t, pod.Name)
	if after == nil || after.DeletionTimestamp == nil || *after.DeletionGracePeriodSeconds != corev1.DefaultTerminationGracePeriodSeconds {
		t.Fatalf("the pod on a node should be terminating with the default grace period of %ds; got %+v",
			corev1.DefaultTerminationGracePeriodSeconds, after)
	}
	if r.Outputs["node"] != "node-a" {
		t.Errorf("node = %v, want node-a", r.Outputs["node"])
	}
}

func TestABarePodIsRefusedUnlessForced(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	pod := sb.NewPod(t, "debug", "", nil, nil)

	r := runAction(t, sb, map[string]any{"pod": pod.Name})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "pod "+sb.Namespace+"/debug has no controller, so nothing would recreate it")
	if sb.GetPod(t, pod.Name) == nil {
		t.Fatalf("the refused pod was deleted")
	}

	r = runAction(t, sb, map[string]any{"pod": pod.Name, "force": true})

	actiontesting.MustSucceed(t, r)
	if r.Outputs["controller"] != "" || sb.GetPod(t, pod.Name) != nil {
		t.Errorf("with force the bare pod should be deleted: controller %v, still there: %t", r.Outputs["controller"], sb.GetPod(t, pod.Name) != nil)
	}
}

func TestTheMirrorOfAStaticPodIsAlwaysRefused(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	pod := sb.NewPod(t, "etcd-node-a", "node-a", nil, map[string]string{corev1.MirrorPodAnnotationKey: "hash"})

	r := runAction(t, sb, map[string]any{"pod": pod.Name, "force": true})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "is the mirror of a static pod on node node-a")
	if sb.GetPod(t, pod.Name) == nil {
		t.Errorf("the mirror pod was deleted")
	}
}

func TestDryRunReportsTheRestartAndDeletesNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	rs := sb.NewReplicaSet(t, "web")
	pod := sb.NewPod(t, "web-1", "", rs, nil)

	r := runAction(t, sb, map[string]any{"pod": pod.Name, "dryRun": true})

	actiontesting.MustSucceed(t, r)
	if r.Outputs["deleted"] != true || r.Outputs["dryRun"] != true {
		t.Errorf("outputs %v: want deleted and dryRun true", r.Outputs)
	}
	if after := sb.GetPod(t, pod.Name); after == nil || after.ResourceVersion != pod.ResourceVersion {
		t.Errorf("the dry run changed or deleted the pod: %+v", after)
	}
}

func TestAPodThatIsAlreadyTerminatingIsLeftAlone(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	rs := sb.NewReplicaSet(t, "web")
	pod := sb.NewPod(t, "web-1", "node-a", rs, nil)
	if err := sb.Admin.CoreV1().Pods(sb.Namespace).Delete(context.Background(), pod.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}

	r := runAction(t, sb, map[string]any{"pod": pod.Name})

	actiontesting.MustSucceed(t, r)
	if r.Outputs["deleted"] != false {
		t.Errorf("deleted = %v, want false for a pod that is already terminating", r.Outputs["deleted"])
	}
}

func TestAMissingPodFailsNamingIt(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)

	r := runAction(t, sb, map[string]any{"pod": "nope"})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "pod "+sb.Namespace+"/nope not found: check the inputs")
}

func TestTheContractGrantsWhatRestartingNeedsAndNothingElse(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	other := cluster.NewSandbox(t, contractFile)
	other.NewPod(t, "web-1", "", nil, nil)
	ctx := context.Background()

	err := sb.Client.CoreV1().Pods(other.Namespace).Delete(ctx, "web-1", metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete a pod in another namespace")
	_, err = sb.Client.CoreV1().Pods(sb.Namespace).List(ctx, metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list pods")
	err = sb.Client.CoreV1().Pods(sb.Namespace).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "delete all pods at once")

	for _, denied := range []struct{ group, verb, resource, subresource string }{
		{"", "create", "pods", ""}, {"", "patch", "pods", ""}, {"", "create", "pods", "exec"}, {"", "create", "pods", "eviction"},
		{"apps", "delete", "replicasets", ""}, {"apps", "get", "replicasets", ""},
	} {
		if sb.Allowed(t, kubetest.Attrs(denied.group, denied.resource, denied.subresource, denied.verb)) {
			t.Errorf("the contract allows %s on %s/%s; it must not", denied.verb, denied.resource, denied.subresource)
		}
	}
}
