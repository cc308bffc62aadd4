package deploy

import (
	"context"
	"errors"
	"fmt"

	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubernaut/kubernaut/internal/devcluster/kubeapply"
)

// Remove deletes what Deploy applies: first the CRDs, while the manager still runs and can
// release the finalizers of their remaining objects, then everything else in reverse order, and
// waits until the CRDs and the namespace (with the ConfigMaps and Secret in it) are gone. Only
// Kubeconfig or RESTConfig, Kubectl, ConfigDir, Timeout and Progress of opts are used.
func Remove(ctx context.Context, opts Options) error {
	if err := required("Kubeconfig", opts.kubeconfigOrConfig(), "Kubectl", opts.Kubectl); err != nil {
		return err
	}
	if err := opts.defaults(); err != nil {
		return err
	}
	objs, err := render(ctx, opts.Kubectl, opts.ConfigDir)
	if err != nil {
		return err
	}
	cl, err := newClients(&opts)
	if err != nil {
		return err
	}
	order := kubeapply.SortForApply(objs)
	slices.Reverse(order)
	// CRDs first: see above.
	slices.SortStableFunc(order, func(a, b *unstructured.Unstructured) int {
		return btoi(b.GetKind() == "CustomResourceDefinition") - btoi(a.GetKind() == "CustomResourceDefinition")
	})
	var errs []error
	for _, o := range order {
		if o.GetKind() == "CustomResourceDefinition" || o.GetKind() == "Namespace" {
			errs = append(errs, cl.deleteAndWait(ctx, o, opts.Timeout))
		} else {
			errs = append(errs, cl.delete(ctx, o))
		}
		opts.progressf("deleted %s", kubeapply.Describe(o))
	}
	return errors.Join(errs...)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (c *clients) delete(ctx context.Context, o *unstructured.Unstructured) error {
	err := c.Objects.Delete(ctx, o.DeepCopy(), client.PropagationPolicy("Background"))
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting %s: %w", kubeapply.Describe(o), err)
	}
	return nil
}

// deleteAndWait deletes o and waits until it is gone.
func (c *clients) deleteAndWait(ctx context.Context, o *unstructured.Unstructured, timeout time.Duration) error {
	if err := c.delete(ctx, o); err != nil {
		return err
	}
	probe := o.DeepCopy()
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		err := c.Objects.Get(ctx, client.ObjectKeyFromObject(o), probe)
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		return fmt.Errorf("%s still there %s after deleting it: %w", kubeapply.Describe(o), timeout, err)
	}
	return nil
}
