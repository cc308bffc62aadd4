package main

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// arrangeClaims creates the claims most tests choose from, all labelled app=batch except
// "db-data":
//   - unused: no pod mounts it;
//   - done: mounted only by a pod that Succeeded and one that Failed;
//   - live: mounted by a Running pod (and by a Succeeded one);
//   - starting: mounted by a pod that is not scheduled yet (no phase);
//   - pinned: unused, but annotated kubernaut.ai/keep;
//   - db-data: unused, labelled app=db.
func arrangeClaims(t *testing.T, sb *kubetest.Sandbox) {
	t.Helper()
	batch := map[string]string{"app": "batch"}
	for _, name := range []string{"unused", "done", "live", "starting"} {
		newClaim(t, sb, name, batch, nil)
	}
	newClaim(t, sb, "pinned", batch, map[string]string{KeepAnnotation: "incident 42"})
	newClaim(t, sb, "db-data", map[string]string{"app": "db"}, nil)
	newPodUsing(t, sb, "job-ok", corev1.PodSucceeded, "done", "live")
	newPodUsing(t, sb, "job-failed", corev1.PodFailed, "done")
	newPodUsing(t, sb, "worker", corev1.PodRunning, "live")
	newPodUsing(t, sb, "pending", "", "starting")
}

func TestNamedClaimsThatNoUnfinishedPodMountsAreDeleted(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	arrangeClaims(t, sb)

	r := runAction(t, sb, map[string]any{"pvcs": []any{"unused", "done", "live", "starting", "pinned", "unused"}})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"namespace": sb.Namespace, "deleted": []any{"done", "unused"},
		"skipped": []any{
			"live: mounted by pod worker (Running)",
			"pinned: has the annotation kubernaut.ai/keep",
			"starting: mounted by pod pending (Pending)",
		},
		"dryRun": false,
	}, r)
	for name, want := range map[string]bool{"unused": true, "done": true, "live": false, "starting": false, "pinned": false, "db-data": false} {
		if got := deleted(t, sb, name); got != want {
			t.Errorf("claim %s deleted = %t, want %t", name, got, want)
		}
	}
}

func TestASelectorChoosesTheClaimsAndNothingElse(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	arrangeClaims(t, sb)

	r := runAction(t, sb, map[string]any{"selector": "app in (db, other)"})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"namespace": sb.Namespace, "deleted": []any{"db-data"}, "skipped": []any{}, "dryRun": false,
	}, r)
	for _, name := range []string{"unused", "done"} {
		if deleted(t, sb, name) {
			t.Errorf("claim %s, which the selector does not match, was deleted", name)
		}
	}
}

func TestASelectorMatchingNothingDeletesNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	arrangeClaims(t, sb)

	r := runAction(t, sb, map[string]any{"selector": "app=nothing"})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{"namespace": sb.Namespace, "deleted": []any{}, "skipped": []any{}, "dryRun": false}, r)
	if !strings.Contains(r.Stderr, `matches the selector "app=nothing"; nothing to delete`) {
		t.Errorf("the log does not say that nothing matched:\n%s", r.Stderr)
	}
}

func TestDryRunReportsWhatWouldBeDeletedAndDeletesNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	arrangeClaims(t, sb)
	before := newClaim(t, sb, "scratch", map[string]string{"app": "batch"}, nil)

	r := runAction(t, sb, map[string]any{"selector": "app=batch", "dryRun": true})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"namespace": sb.Namespace, "deleted": []any{"done", "scratch", "unused"},
		"skipped": []any{
			"live: mounted by pod worker (Running)",
			"pinned: has the annotation kubernaut.ai/keep",
			"starting: mounted by pod pending (Pending)",
		},
		"dryRun": true,
	}, r)
	for _, name := range []string{"unused", "done", "scratch"} {
		if deleted(t, sb, name) {
			t.Errorf("the dry run deleted claim %s", name)
		}
	}
	after, err := sb.Admin.CoreV1().PersistentVolumeClaims(sb.Namespace).Get(context.Background(), "scratch", metav1.GetOptions{})
	if err != nil || after.ResourceVersion != before.ResourceVersion {
		t.Errorf("the dry run changed claim scratch: %v", err)
	}
	if want := "dry run: persistentvolumeclaim " + sb.Namespace + "/scratch would be deleted"; !strings.Contains(r.Stderr, want) {
		t.Errorf("the log does not contain %q:\n%s", want, r.Stderr)
	}
}

func TestClaimsWithAnOwnerOrBeingDeletedAreKept(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	ctx := context.Background()
	claims := sb.Admin.CoreV1().PersistentVolumeClaims(sb.Namespace)
	owned := newClaim(t, sb, "data-db-2", nil, nil)
	owned.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "db", UID: "4f5d"}}
	if _, err := claims.Update(ctx, owned, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	newClaim(t, sb, "going", nil, nil)
	if err := claims.Delete(ctx, "going", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// A generic ephemeral volume's claim is named <pod>-<volume>.
	newClaim(t, sb, "web-0-cache", nil, nil)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-0", Namespace: sb.Namespace}, Spec: kubetest.PodSpec()}
	pod.Spec.Volumes = []corev1.Volume{{Name: "cache", VolumeSource: corev1.VolumeSource{Ephemeral: &corev1.EphemeralVolumeSource{
		VolumeClaimTemplate: &corev1.PersistentVolumeClaimTemplate{Spec: newClaim(t, sb, "template", nil, nil).Spec},
	}}}}
	if _, err := sb.Admin.CoreV1().Pods(sb.Namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	r := runAction(t, sb, map[string]any{"pvcs": []any{"data-db-2", "going", "web-0-cache"}})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"namespace": sb.Namespace, "deleted": []any{},
		"skipped": []any{
			"data-db-2: owned by statefulset db, which deletes it when it goes",
			"going: already being deleted",
			"web-0-cache: mounted by pod web-0 (Pending)",
		},
		"dryRun": false,
	}, r)
}

func TestAMissingNamedClaimFailsBeforeAnythingIsDeleted(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newClaim(t, sb, "unused", nil, nil)

	r := runAction(t, sb, map[string]any{"pvcs": []any{"unused", "nope"}})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "persistentvolumeclaim "+sb.Namespace+"/nope not found: check the inputs")
	if deleted(t, sb, "unused") {
		t.Error("claim unused was deleted although the step failed on its inputs")
	}
}

func TestTheContractGrantsWhatCleanupNeedsAndNothingElse(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newClaim(t, sb, "data", nil, nil)
	newPodUsing(t, sb, "worker", corev1.PodRunning, "data")
	other := cluster.NewSandbox(t, contractFile)
	newClaim(t, other, "data", nil, nil)
	ctx := context.Background()

	err := sb.Client.CoreV1().PersistentVolumeClaims(other.Namespace).Delete(ctx, "data", metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete a claim in another namespace")
	err = sb.Client.CoreV1().Pods(sb.Namespace).Delete(ctx, "worker", metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete the pod that mounts a claim")
	_, err = sb.Client.CoreV1().PersistentVolumes().List(ctx, metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list PersistentVolumes")
	_, err = sb.Client.AppsV1().StatefulSets(sb.Namespace).Update(ctx, &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db"}}, metav1.UpdateOptions{})
	sb.ExpectForbidden(t, err, "update a StatefulSet")

	for _, denied := range []struct{ verb, resource, subresource string }{
		{"deletecollection", "persistentvolumeclaims", ""}, {"patch", "persistentvolumeclaims", ""},
		{"update", "persistentvolumeclaims", ""}, {"create", "persistentvolumeclaims", ""}, {"watch", "persistentvolumeclaims", ""},
		{"get", "pods", ""}, {"delete", "persistentvolumes", ""}, {"get", "secrets", ""},
	} {
		if sb.Allowed(t, kubetest.Attrs("", denied.resource, denied.subresource, denied.verb)) {
			t.Errorf("the contract allows %s on %s/%s; it must not", denied.verb, denied.resource, denied.subresource)
		}
	}
	if sb.ClusterAllowed(t, kubetest.Attrs("", "persistentvolumes", "", "delete")) {
		t.Error("the contract allows deleting PersistentVolumes; it must not")
	}
}
