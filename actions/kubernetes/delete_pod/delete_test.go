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

func TestDeleteUsesTheGracePeriodAskedFor(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	rs := sb.NewReplicaSet(t, "web")
	pod := sb.NewPod(t, "web-1", "node-a", rs, nil)

	r := runAction(t, sb, map[string]any{"pod": pod.Name, "gracePeriodSeconds": 7})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"pod": pod.Name, "namespace": sb.Namespace, "uid": string(pod.UID), "controller": "ReplicaSet/web",
		"node": "node-a", "gracePeriodSeconds": 7, "deleted": true, "dryRun": false,
	}, r)
	// envtest runs no kubelet: the pod stays, terminating, with the grace period asked for.
	after := sb.GetPod(t, pod.Name)
	if after == nil || after.DeletionGracePeriodSeconds == nil || *after.DeletionGracePeriodSeconds != 7 {
		t.Fatalf("the pod should be terminating with a grace period of 7s; got %+v", after)
	}
}

func TestWithoutAGracePeriodThePodsOwnApplies(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	pod := sb.NewPod(t, "debug", "node-a", nil, nil)

	r := runAction(t, sb, map[string]any{"pod": pod.Name})

	actiontesting.MustSucceed(t, r)
	if r.Outputs["gracePeriodSeconds"] != jsonNumber(corev1.DefaultTerminationGracePeriodSeconds) || r.Outputs["controller"] != "" {
		t.Errorf("outputs %v: want the default grace period and no controller", r.Outputs)
	}
	if after := sb.GetPod(t, pod.Name); after == nil || *after.DeletionGracePeriodSeconds != corev1.DefaultTerminationGracePeriodSeconds {
		t.Errorf("the pod should be terminating with the default grace period; got %+v", after)
	}
}

func TestAGracePeriodOfZeroRemovesThePodObjectAtOnce(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	pod := sb.NewPod(t, "stuck", "node-gone", nil, nil)

	r := runAction(t, sb, map[string]any{"pod": pod.Name, "gracePeriodSeconds": 0})

	actiontesting.MustSucceed(t, r)
	if sb.GetPod(t, pod.Name) != nil {
		t.Errorf("the pod still exists after a deletion with a grace period of 0")
	}
}

func TestATerminatingPodIsDeletedAgainOnlyToShortenItsGracePeriod(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	pod := sb.NewPod(t, "slow", "node-a", nil, nil)
	if err := sb.Admin.CoreV1().Pods(sb.Namespace).Delete(context.Background(), pod.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}

	r := runAction(t, sb, map[string]any{"pod": pod.Name})
	actiontesting.MustSucceed(t, r)
	if r.Outputs["deleted"] != false {
		t.Errorf("deleted = %v without a grace period, want false", r.Outputs["deleted"])
	}

	r = runAction(t, sb, map[string]any{"pod": pod.Name, "gracePeriodSeconds": 5})
	actiontesting.MustSucceed(t, r)
	if after := sb.GetPod(t, pod.Name); after == nil || *after.DeletionGracePeriodSeconds != 5 {
		t.Errorf("the grace period should be shortened to 5s; got %+v", after)
	}
}

func TestTheMirrorOfAStaticPodIsRefused(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	pod := sb.NewPod(t, "etcd-node-a", "node-a", nil, map[string]string{corev1.MirrorPodAnnotationKey: "hash"})

	r := runAction(t, sb, map[string]any{"pod": pod.Name})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "is the mirror of a static pod on node node-a")
	if sb.GetPod(t, pod.Name) == nil {
		t.Errorf("the mirror pod was deleted")
	}
}

func TestDryRunReportsTheDeletionAndDeletesNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	pod := sb.NewPod(t, "web-1", "", nil, nil)

	r := runAction(t, sb, map[string]any{"pod": pod.Name, "gracePeriodSeconds": 0, "dryRun": true})

	actiontesting.MustSucceed(t, r)
	if r.Outputs["deleted"] != true || r.Outputs["dryRun"] != true {
		t.Errorf("outputs %v: want deleted and dryRun true", r.Outputs)
	}
	if after := sb.GetPod(t, pod.Name); after == nil || after.ResourceVersion != pod.ResourceVersion {
		t.Errorf("the dry run changed or deleted the pod: %+v", after)
	}
}

func TestAMissingPodFailsNamingIt(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)

	r := runAction(t, sb, map[string]any{"pod": "nope"})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "pod "+sb.Namespace+"/nope not found: check the inputs")
}

func TestTheContractGrantsWhatDeletingNeedsAndNothingElse(t *testing.T) {
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
		{"", "create", "pods", ""}, {"", "patch", "pods", ""}, {"", "create", "pods", "exec"},
		{"apps", "delete", "replicasets", ""}, {"", "delete", "services", ""},
	} {
		if sb.Allowed(t, kubetest.Attrs(denied.group, denied.resource, denied.subresource, denied.verb)) {
			t.Errorf("the contract allows %s on %s/%s; it must not", denied.verb, denied.resource, denied.subresource)
		}
	}
}
