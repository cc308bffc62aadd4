package main

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
)

func TestAClaimProtectedWhileTheActionRunsIsNotDeleted(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newClaim(t, sb, "unused", nil, nil)
	newClaim(t, sb, "scratch", nil, nil)
	rival := func() { // a person protects the claim between the action's check and its delete
		claims := sb.Admin.CoreV1().PersistentVolumeClaims(sb.Namespace)
		pvc, err := claims.Get(context.Background(), "unused", metav1.GetOptions{})
		if err == nil {
			pvc.Annotations = map[string]string{KeepAnnotation: "true"}
			_, err = claims.Update(context.Background(), pvc, metav1.UpdateOptions{})
		}
		if err != nil {
			t.Errorf("the rival's update: %v", err)
		}
	}
	// The action lists the pods after it has chosen and checked the claims, just before it
	// deletes them: the rival strikes then, and the deletion's precondition must catch it.
	env := sb.RacingEnv(t, "GET", "pods", rival)

	r := actiontesting.Run(t, contractFile, cleaner{kube: env}.run, map[string]any{"pvcs": []any{"unused", "scratch"}})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"namespace": sb.Namespace, "deleted": []any{"scratch"},
		"skipped": []any{"unused: changed while the action ran; not deleted, run the step again to reconsider it"},
		"dryRun":  false,
	}, r)
	if deleted(t, sb, "unused") {
		t.Error("claim unused was deleted although it was protected before the deletion")
	}
}
