package main

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
)

func TestAConcurrentChangeIsNeverOverwrittenUnseen(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newConfigMap(t, sb, appConfig())
	// Between the action's read and its patch, another actor sets POOL_SIZE and removes
	// FEATURE_X. The patch computed from the first read would report stale keys; the
	// precondition makes it fail with a conflict, and the action starts again from a fresh read.
	rival := func() {
		cm := getConfigMap(t, sb, "app-config")
		cm.Data["POOL_SIZE"] = "50"
		delete(cm.Data, "FEATURE_X")
		if _, err := sb.Admin.CoreV1().ConfigMaps(sb.Namespace).Update(context.Background(), cm, metav1.UpdateOptions{}); err != nil {
			t.Errorf("the rival's update: %v", err)
		}
	}
	env := sb.RacingEnv(t, "GET", "configmaps", rival)

	r := actiontesting.Run(t, contractFile, patcher{kube: env}.run, map[string]any{
		"configmap": "app-config", "set": map[string]any{"POOL_SIZE": "20"}, "remove": []any{"FEATURE_X"},
	})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"configmap": "app-config", "namespace": sb.Namespace, "addedKeys": []any{},
		"updatedKeys": []any{"POOL_SIZE"}, "removedKeys": []any{}, "changed": true, "dryRun": false,
	}, r)
	if diff := cmp.Diff(map[string]string{"LOG_LEVEL": "info", "POOL_SIZE": "20"}, getConfigMap(t, sb, "app-config").Data); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
}
