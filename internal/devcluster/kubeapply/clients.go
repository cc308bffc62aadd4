package kubeapply

import (
	"fmt"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Clients talk to the cluster: controller-runtime's for applying any kind, client-go's for
// Deployments, pods, logs and events.
type Clients struct {
	Objects client.Client
	Kube    kubernetes.Interface
}

// NewClients builds both clients for rc. An rc without a QPS gets 50 per second (burst 100):
// client-go's default of 5 would throttle the burst of applies of an installation.
func NewClients(rc *rest.Config) (*Clients, error) {
	rc = rest.CopyConfig(rc)
	if rc.QPS == 0 {
		rc.QPS, rc.Burst = 50, 100
	}
	objects, err := client.New(rc, client.Options{})
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", rc.Host, err)
	}
	kube, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", rc.Host, err)
	}
	return &Clients{Objects: objects, Kube: kube}, nil
}
