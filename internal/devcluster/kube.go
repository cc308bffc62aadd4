package devcluster

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// Default StorageClass served by the harness's hostPath provisioner.
const (
	// StorageClassName is the default StorageClass of the dev cluster.
	StorageClassName = "kubernaut-hostpath"
	// ProvisionerName is the provisioner of StorageClassName.
	ProvisionerName = "dev.kubernaut.io/hostpath"
)

func adminClient(c *Config) (kubernetes.Interface, error) {
	rc, err := clientcmd.BuildConfigFromFlags("", c.layout().adminKubeconfig())
	if err != nil {
		return nil, fmt.Errorf("load admin kubeconfig: %w", err)
	}
	return kubernetes.NewForConfig(rc)
}

// waitNodeReady waits until the node has registered and reports Ready.
func waitNodeReady(ctx context.Context, c *Config) error {
	cs, err := adminClient(c)
	if err != nil {
		return err
	}
	probe := func(ctx context.Context) error {
		node, err := cs.CoreV1().Nodes().Get(ctx, c.NodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, cond := range node.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				return nil
			}
		}
		return fmt.Errorf("%w: node %s is not Ready", errNotReady, c.NodeName)
	}
	return waitFor(ctx, "node "+c.NodeName, componentStartTimeout, probe, nil)
}

// waitPodsCreatable makes sure the default StorageClass exists and waits for the default
// ServiceAccount: the ServiceAccount admission plugin rejects pods until it exists, which on a
// fresh cluster is several seconds after the node is Ready.
func waitPodsCreatable(ctx context.Context, c *Config) error {
	cs, err := adminClient(c)
	if err != nil {
		return err
	}
	if err := ensureStorageClass(ctx, cs); err != nil {
		return err
	}
	probe := func(ctx context.Context) error {
		_, err := cs.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{})
		return err
	}
	return waitFor(ctx, "default ServiceAccount", componentStartTimeout, probe, nil)
}

// ensureStorageClass creates the default StorageClass. Binding is Immediate so that a PVC binds
// as soon as it is created, which tests can wait on without a consuming pod.
func ensureStorageClass(ctx context.Context, cs kubernetes.Interface) error {
	immediate := storagev1.VolumeBindingImmediate
	reclaim := corev1.PersistentVolumeReclaimDelete
	sc := &storagev1.StorageClass{
		ObjectMeta: metav1.ObjectMeta{
			Name:        StorageClassName,
			Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"},
		},
		Provisioner:       ProvisionerName,
		ReclaimPolicy:     &reclaim,
		VolumeBindingMode: &immediate,
	}
	_, err := cs.StorageV1().StorageClasses().Create(ctx, sc, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create default StorageClass %s: %w", StorageClassName, err)
	}
	return nil
}
