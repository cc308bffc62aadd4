package main

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// appConfig is the ConfigMap most tests start from.
func appConfig() *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "app-config"},
		Data:       map[string]string{"LOG_LEVEL": "info", "POOL_SIZE": "10", "FEATURE_X": "on"},
		BinaryData: map[string][]byte{"cert.der": {0x30, 0x82}},
	}
}

func TestPatchSetsAndRemovesKeysAndKeepsTheRest(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newConfigMap(t, sb, appConfig())

	r := runAction(t, sb, map[string]any{
		"configmap": "app-config",
		"set":       map[string]any{"LOG_LEVEL": "debug", "POOL_SIZE": "10", "TIMEOUT": "30s"},
		"remove":    []any{"FEATURE_X", "NOT_THERE"},
	})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"configmap": "app-config", "namespace": sb.Namespace, "addedKeys": []any{"TIMEOUT"},
		"updatedKeys": []any{"LOG_LEVEL"}, "removedKeys": []any{"FEATURE_X"}, "changed": true, "dryRun": false,
	}, r)
	after := getConfigMap(t, sb, "app-config")
	if diff := cmp.Diff(map[string]string{"LOG_LEVEL": "debug", "POOL_SIZE": "10", "TIMEOUT": "30s"}, after.Data); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(appConfig().BinaryData, after.BinaryData); diff != "" {
		t.Errorf("binaryData changed (-want +got):\n%s", diff)
	}
}

func TestDryRunReportsTheChangeAndPersistsNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newConfigMap(t, sb, appConfig())

	r := runAction(t, sb, map[string]any{"configmap": "app-config", "set": map[string]any{"LOG_LEVEL": "debug"}, "dryRun": true})

	actiontesting.MustSucceed(t, r)
	actiontesting.DiffOutputs(t, map[string]any{
		"configmap": "app-config", "namespace": sb.Namespace, "addedKeys": []any{},
		"updatedKeys": []any{"LOG_LEVEL"}, "removedKeys": []any{}, "changed": true, "dryRun": true,
	}, r)
	if after := getConfigMap(t, sb, "app-config"); after.ResourceVersion != before.ResourceVersion || after.Data["LOG_LEVEL"] != "info" {
		t.Errorf("the dry run changed the ConfigMap: resourceVersion %s -> %s, LOG_LEVEL %q",
			before.ResourceVersion, after.ResourceVersion, after.Data["LOG_LEVEL"])
	}
	if !strings.Contains(r.Stderr, "dry run: configmap "+sb.Namespace+"/app-config would be patched (added [], updated [LOG_LEVEL], removed [])") {
		t.Errorf("the log does not say what would change:\n%s", r.Stderr)
	}
}

func TestAPatchThatChangesNothingWritesNothing(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newConfigMap(t, sb, appConfig())

	r := runAction(t, sb, map[string]any{"configmap": "app-config", "set": map[string]any{"LOG_LEVEL": "info"}, "remove": []any{"GONE"}})

	actiontesting.MustSucceed(t, r)
	if r.Outputs["changed"] != false {
		t.Errorf("changed = %v, want false", r.Outputs["changed"])
	}
	if after := getConfigMap(t, sb, "app-config"); after.ResourceVersion != before.ResourceVersion {
		t.Errorf("resourceVersion %s -> %s: the action wrote an unchanged ConfigMap", before.ResourceVersion, after.ResourceVersion)
	}
}

func TestWhatTheActionWillNotChangeIsRefusedUntouched(t *testing.T) {
	tests := []struct {
		name   string
		cm     *corev1.ConfigMap
		inputs map[string]any
		want   string
	}{{
		name:   "a key of binaryData to set",
		cm:     appConfig(),
		inputs: map[string]any{"set": map[string]any{"cert.der": "text"}},
		want:   "/app-config has the keys cert.der in binaryData, which this action does not change",
	}, {
		name:   "a key of binaryData to remove",
		cm:     appConfig(),
		inputs: map[string]any{"remove": []any{"cert.der"}},
		want:   "in binaryData, which this action does not change",
	}, {
		name: "an immutable ConfigMap",
		cm: &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "app-config"},
			Data: map[string]string{"LOG_LEVEL": "info"}, Immutable: ptr.To(true)},
		inputs: map[string]any{"set": map[string]any{"LOG_LEVEL": "debug"}},
		want:   "/app-config is immutable (immutable: true)",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb := cluster.NewSandbox(t, contractFile)
			before := newConfigMap(t, sb, tt.cm)
			tt.inputs["configmap"] = "app-config"

			r := runAction(t, sb, tt.inputs)

			actiontesting.MustFail(t, r, action.ExitActionFailed, tt.want)
			if after := getConfigMap(t, sb, "app-config"); after.ResourceVersion != before.ResourceVersion {
				t.Errorf("a refused request changed the ConfigMap")
			}
		})
	}
}

func TestAMissingConfigMapFailsNamingIt(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)

	r := runAction(t, sb, map[string]any{"configmap": "nope", "remove": []any{"a"}})

	actiontesting.MustFail(t, r, action.ExitActionFailed, "configmap "+sb.Namespace+"/nope not found: check the inputs")
}

func TestInputsArriveThroughEveryInputMode(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newConfigMap(t, sb, appConfig())
	actiontesting.EveryInputMode(t, func(t *testing.T, opts ...actiontest.Option) actiontest.Result {
		return runAction(t, sb, map[string]any{"configmap": "app-config", "remove": []any{"FEATURE_X"}, "dryRun": true}, opts...)
	}, func(t *testing.T, r actiontest.Result) {
		if diff := cmp.Diff([]any{"FEATURE_X"}, r.Outputs["removedKeys"]); diff != "" {
			t.Errorf("removedKeys (-want +got):\n%s", diff)
		}
	})
}

func TestInputsTheActionRefusesFailBeforeConnecting(t *testing.T) {
	tests := []struct {
		name   string
		inputs map[string]any
		code   int
		want   string
	}{
		{"no inputs at all", nil, action.ExitInputError, "/configmap: required input is missing"},
		{"set as a list", map[string]any{"configmap": "c", "set": []any{"a"}}, action.ExitInputError, "/set"},
		{"a misspelt input", map[string]any{"configmap": "c", "delete": []any{"a"}}, action.ExitInputError, "/delete: unknown input"},
		{"nothing to set or remove", map[string]any{"configmap": "c"}, action.ExitActionFailed, `the inputs "set" and "remove" are both empty`},
		{"a number as a value", map[string]any{"configmap": "c", "set": map[string]any{"POOL": 3}}, action.ExitActionFailed,
			`input "set": the value of "POOL" must be a string, got 3`},
		{"an invalid key", map[string]any{"configmap": "c", "set": map[string]any{"a/b": "x"}}, action.ExitActionFailed,
			`input "set": "a/b" is not a valid ConfigMap key`},
		{"a key to remove that is no string", map[string]any{"configmap": "c", "remove": []any{true}}, action.ExitActionFailed,
			`input "remove"[0] must be a string key`},
		{"a key both set and removed", map[string]any{"configmap": "c", "set": map[string]any{"a": "1"}, "remove": []any{"a"}},
			action.ExitActionFailed, `key "a" is both in the input "set" and in "remove"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := actiontesting.Run(t, contractFile, patcher{kube: actiontesting.NoCluster(t)}.run, tt.inputs)

			actiontesting.MustFail(t, r, tt.code, tt.want)
		})
	}
}

func TestTheContractGrantsWhatPatchingNeedsAndNothingElse(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newConfigMap(t, sb, appConfig())
	other := cluster.NewSandbox(t, contractFile)
	newConfigMap(t, other, appConfig())
	ctx := context.Background()

	err := sb.Client.CoreV1().ConfigMaps(sb.Namespace).Delete(ctx, "app-config", metav1.DeleteOptions{})
	sb.ExpectForbidden(t, err, "delete the ConfigMap")
	_, err = sb.Client.CoreV1().ConfigMaps(sb.Namespace).List(ctx, metav1.ListOptions{})
	sb.ExpectForbidden(t, err, "list ConfigMaps")
	_, err = sb.Client.CoreV1().ConfigMaps(other.Namespace).Get(ctx, "app-config", metav1.GetOptions{})
	sb.ExpectForbidden(t, err, "read a ConfigMap in another namespace")
	_, err = sb.Client.CoreV1().Secrets(sb.Namespace).Get(ctx, "app-config", metav1.GetOptions{})
	sb.ExpectForbidden(t, err, "read a Secret")

	for _, denied := range []struct{ verb, resource string }{
		{"create", "configmaps"}, {"update", "configmaps"}, {"watch", "configmaps"}, {"patch", "secrets"},
	} {
		if sb.Allowed(t, kubetest.Attrs("", denied.resource, "", denied.verb)) {
			t.Errorf("the contract allows %s on %s; it must not", denied.verb, denied.resource)
		}
	}
}
