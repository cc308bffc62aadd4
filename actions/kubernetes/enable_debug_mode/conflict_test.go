package main

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	typedappsv1 "k8s.io/client-go/kubernetes/typed/apps/v1"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kube"
)

// racingClient is the sandbox's client, except that right after the action's first read of a
// Deployment, someone else changes it: the race the resourceVersion precondition guards against.
type racingClient struct {
	kubernetes.Interface
	afterFirstGet func()
	once          *sync.Once
}

func (c racingClient) AppsV1() typedappsv1.AppsV1Interface {
	return racingApps{c.Interface.AppsV1(), c}
}

type racingApps struct {
	typedappsv1.AppsV1Interface
	client racingClient
}

func (c racingApps) Deployments(ns string) typedappsv1.DeploymentInterface {
	return racingDeployments{c.AppsV1Interface.Deployments(ns), c.client}
}

type racingDeployments struct {
	typedappsv1.DeploymentInterface
	client racingClient
}

func (c racingDeployments) Get(ctx context.Context, name string, opts metav1.GetOptions) (*appsv1.Deployment, error) {
	d, err := c.DeploymentInterface.Get(ctx, name, opts)
	c.client.once.Do(c.client.afterFirstGet)
	return d, err
}

func TestAVariableAddedConcurrentlyIsNeverLost(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newDeployment(t, sb, "web", []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "info"}})
	// Between the action's read and its patch, another actor adds a variable. The patch sets
	// the whole list computed from the first read, so without the precondition it would drop
	// the rival's variable; with it, the patch conflicts and the action starts again.
	rival := func() {
		d := sb.GetDeployment(t, "web")
		c := &d.Spec.Template.Spec.Containers[1]
		c.Env = append(c.Env, corev1.EnvVar{Name: "POOL_SIZE", Value: "50"})
		if _, err := sb.Admin.AppsV1().Deployments(sb.Namespace).Update(context.Background(), d, metav1.UpdateOptions{}); err != nil {
			t.Errorf("the rival's update: %v", err)
		}
	}
	env := kube.Env{
		NewClient:    func() (kubernetes.Interface, error) { return racingClient{sb.Client, rival, &sync.Once{}}, nil },
		PodNamespace: func() (string, error) { return sb.Namespace, nil },
	}

	r := runActionWith(t, debugger{kube: env}, map[string]any{"deployment": "web", "waitForRollout": false})

	actiontesting.MustSucceed(t, r)
	want := []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "debug"}, {Name: "POOL_SIZE", Value: "50"}}
	if diff := cmp.Diff(want, appEnv(t, sb)); diff != "" {
		t.Errorf("env of app (-want +got):\n%s", diff)
	}
}
