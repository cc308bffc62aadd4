package main

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/action"
)

func TestExpandRaisesTheStorageRequestOfABoundClaim(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	class := newStorageClass(t, sb, true)
	newClaim(t, sb, "data", class, "10Gi", true)

	r := runAction(t, sb, map[string]any{"pvc": "data", "size": "20Gi"})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"pvc": "data", "namespace": sb.Namespace, "storageClass": class, "previousSize": "10Gi", "size": "20Gi",
		"capacity": "10Gi", "changed": true, "dryRun": false,
	}, r)
	if got := requested(getClaim(t, sb, "data")); got != "20Gi" {
		t.Errorf("the claim requests %s after the action, want 20Gi", got)
	}
}

func TestDryRunReportsTheExpansionAndPersistsNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	class := newStorageClass(t, sb, true)
	before := newClaim(t, sb, "data", class, "1Gi", true)

	r := runAction(t, sb, map[string]any{"pvc": "data", "size": "1536Mi", "dryRun": true})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"pvc": "data", "namespace": sb.Namespace, "storageClass": class, "previousSize": "1Gi", "size": "1536Mi",
		"capacity": "1Gi", "changed": true, "dryRun": true,
	}, r)
	if after := getClaim(t, sb, "data"); after.ResourceVersion != before.ResourceVersion || requested(after) != "1Gi" {
		t.Errorf("the dry run changed the claim: resourceVersion %s -> %s, request %s", before.ResourceVersion, after.ResourceVersion, requested(after))
	}
}

func TestTheSameSizeWritesNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	class := newStorageClass(t, sb, true)
	before := newClaim(t, sb, "data", class, "10Gi", true)

	r := runAction(t, sb, map[string]any{"pvc": "data", "size": "10240Mi"})

	actiontesting.MustSucceed(t, r)
	if r.Outputs["changed"] != false {
		t.Errorf("changed = %v for the same size in other units, want false", r.Outputs["changed"])
	}
	if after := getClaim(t, sb, "data"); after.ResourceVersion != before.ResourceVersion {
		t.Errorf("resourceVersion %s -> %s: the action wrote an unchanged claim", before.ResourceVersion, after.ResourceVersion)
	}
}

func TestClaimsThatCannotGrowAreRefusedWithTheReason(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	growable := newStorageClass(t, sb, true)
	newClaim(t, sb, "data", growable, "10Gi", true)
	newClaim(t, sb, "pending", growable, "10Gi", false)
	newClaim(t, sb, "gone-class", "deleted-class", "10Gi", true)
	tests := []struct {
		name, pvc, size, want string
	}{
		{"a smaller size", "data", "5Gi", "cannot expand: persistentvolumeclaim " + sb.Namespace + "/data requests 10Gi; 5Gi is smaller, and volumes only grow"},
		{"an unbound claim", "pending", "20Gi", "/pending is Pending, not Bound"},
		{"a claim whose StorageClass is gone", "gone-class", "20Gi", "storageclass deleted-class not found"},
		{"a missing claim", "nope", "20Gi", "persistentvolumeclaim " + sb.Namespace + "/nope not found: check the inputs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runAction(t, sb, map[string]any{"pvc": tt.pvc, "size": tt.size})

			actiontesting.MustFail(t, r, action.ExitActionFailed, tt.want)
		})
	}
	if got := requested(getClaim(t, sb, "data")); got != "10Gi" {
		t.Errorf("a refused request changed the claim to %s", got)
	}
}

func TestAStorageClassWithoutAllowVolumeExpansionIsRefused(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	fixed := newStorageClass(t, sb, false)
	newClaim(t, sb, "data", fixed, "10Gi", true)

	r := runAction(t, sb, map[string]any{"pvc": "data", "size": "20Gi"})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "storageclass "+fixed+" of persistentvolumeclaim "+sb.Namespace+"/data does not set allowVolumeExpansion: true")
	if got := requested(getClaim(t, sb, "data")); got != "10Gi" {
		t.Errorf("the claim requests %s after a refusal, want 10Gi", got)
	}
}

func TestTheContractGrantsWhatExpandingNeedsAndNothingElse(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	class := newStorageClass(t, sb, true)
	other := cluster.NewSandbox(t, contractFile)
	newClaim(t, other, "data", class, "1Gi", true)
	ctx := context.Background()

	_, err := sb.Client.CoreV1().PersistentVolumeClaims(other.Namespace).Patch(ctx, "data", types.MergePatchType,
		[]byte(`{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}`), metav1.PatchOptions{})
	sb.ExpectForbidden(t, err, "patch a claim in another namespace")
	err = sb.Client.CoreV1().PersistentVolumeClaims(sb.Namespace).Delete(ctx, "data", metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete a claim")
	_, err = sb.Client.StorageV1().StorageClasses().Patch(ctx, class, types.MergePatchType,
		[]byte(`{"allowVolumeExpansion":true}`), metav1.PatchOptions{})
	sb.ExpectForbidden(t, err, "patch a StorageClass")
	_, err = sb.Client.CoreV1().PersistentVolumes().Get(ctx, "pv-data", metav1.GetOptions{})
	sb.ExpectForbidden(t, err, "read a PersistentVolume")

	for _, denied := range []struct{ group, verb, resource, subresource string }{
		{"", "list", "persistentvolumeclaims", ""}, {"", "update", "persistentvolumeclaims", ""},
		{"", "patch", "persistentvolumeclaims", "status"}, {"storage.k8s.io", "list", "storageclasses", ""},
	} {
		if sb.Allowed(t, kubetest.Attrs(denied.group, denied.resource, denied.subresource, denied.verb)) {
			t.Errorf("the contract allows %s on %s/%s; it must not", denied.verb, denied.resource, denied.subresource)
		}
	}
}
