package main

import (
	"context"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kube"
)

// racingClient is the sandbox's client, except that right after the action has listed the
// pods (so after it chose and checked the claims), someone else changes a claim: the race the
// resourceVersion precondition of the deletion guards against.
type racingClient struct {
	kubernetes.Interface
	afterFirstList func()
	once           *sync.Once
}

func (c racingClient) CoreV1() typedcorev1.CoreV1Interface {
	return racingCore{c.Interface.CoreV1(), c}
}

type racingCore struct {
	typedcorev1.CoreV1Interface
	client racingClient
}

func (c racingCore) Pods(ns string) typedcorev1.PodInterface {
	return racingPods{c.CoreV1Interface.Pods(ns), c.client}
}

type racingPods struct {
	typedcorev1.PodInterface
	client racingClient
}

func (c racingPods) List(ctx context.Context, opts metav1.ListOptions) (*corev1.PodList, error) {
	list, err := c.PodInterface.List(ctx, opts)
	c.client.once.Do(c.client.afterFirstList)
	return list, err
}

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
	env := kube.Env{
		NewClient:    func() (kubernetes.Interface, error) { return racingClient{sb.Client, rival, &sync.Once{}}, nil },
		PodNamespace: func() (string, error) { return sb.Namespace, nil },
	}

	r := runActionWith(t, cleaner{kube: env}, map[string]any{"pvcs": []any{"unused", "scratch"}})

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
