package main

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kube"
)

// racingClient is the sandbox's client, except that right after the action's first read of a
// ConfigMap, someone else changes it: the race the resourceVersion precondition guards against.
type racingClient struct {
	kubernetes.Interface
	afterFirstGet func()
	once          *sync.Once
}

func (c racingClient) CoreV1() typedcorev1.CoreV1Interface {
	return racingCore{c.Interface.CoreV1(), c}
}

type racingCore struct {
	typedcorev1.CoreV1Interface
	client racingClient
}

func (c racingCore) ConfigMaps(ns string) typedcorev1.ConfigMapInterface {
	return racingConfigMaps{c.CoreV1Interface.ConfigMaps(ns), c.client}
}

type racingConfigMaps struct {
	typedcorev1.ConfigMapInterface
	client racingClient
}

func (c racingConfigMaps) Get(ctx context.Context, name string, opts metav1.GetOptions) (*corev1.ConfigMap, error) {
	cm, err := c.ConfigMapInterface.Get(ctx, name, opts)
	c.client.once.Do(c.client.afterFirstGet)
	return cm, err
}

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
	env := kube.Env{
		NewClient:    func() (kubernetes.Interface, error) { return racingClient{sb.Client, rival, &sync.Once{}}, nil },
		PodNamespace: func() (string, error) { return sb.Namespace, nil },
	}

	r := runActionWith(t, patcher{kube: env}, map[string]any{
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
