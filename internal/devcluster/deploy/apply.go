package deploy

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubernaut/kubernaut/internal/actionregistry"
	"github.com/kubernaut/kubernaut/internal/devcluster/kubeapply"
)

// clients are the shared clients, with this package's operations on them.
type clients struct{ *kubeapply.Clients }

func newClients(opts *Options) (*clients, error) {
	rc, err := opts.restConfig()
	if err != nil {
		return nil, err
	}
	c, err := kubeapply.NewClients(rc)
	if err != nil {
		return nil, err
	}
	return &clients{c}, nil
}

// applyAll applies every object with server-side apply, taking ownership of conflicting fields
// (a redeploy replaces whatever an earlier `kubectl apply` set), and waits for the CRDs after
// applying them. Without an ActionRegistry the registry ConfigMap is only created when absent.
func (c *clients) applyAll(ctx context.Context, objs []*unstructured.Unstructured, opts *Options) ([]string, error) {
	var applied []string
	var crds []string
	for _, o := range kubeapply.SortForApply(objs) {
		if o.GetKind() == "Deployment" && len(crds) > 0 {
			if err := c.WaitEstablished(ctx, crds, opts.Timeout); err != nil {
				return applied, err
			}
			crds = nil
		}
		if err := c.apply(ctx, o, opts.ActionRegistry == nil); err != nil {
			return applied, err
		}
		if o.GetKind() == "CustomResourceDefinition" {
			crds = append(crds, o.GetName())
		}
		applied = append(applied, kubeapply.Describe(o))
		opts.progressf("applied %s", kubeapply.Describe(o))
	}
	if len(crds) > 0 {
		return applied, c.WaitEstablished(ctx, crds, opts.Timeout)
	}
	return applied, nil
}

func (c *clients) apply(ctx context.Context, o *unstructured.Unstructured, keepRegistry bool) error {
	if keepRegistry && o.GetKind() == "ConfigMap" && o.GetName() == actionregistry.ConfigMapName {
		err := c.Objects.Create(ctx, o.DeepCopy(), client.FieldOwner(FieldManager))
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating %s: %w", kubeapply.Describe(o), err)
		}
		return nil
	}
	err := c.Objects.Apply(ctx, client.ApplyConfigurationFromUnstructured(o.DeepCopy()),
		client.FieldOwner(FieldManager), client.ForceOwnership)
	if err != nil {
		return fmt.Errorf("applying %s: %w", kubeapply.Describe(o), err)
	}
	return nil
}

// managerTemplate returns the manager Deployment's pod template, or nil when there is none yet.
func (c *clients) managerTemplate(ctx context.Context) (*corev1.PodTemplateSpec, error) {
	d, err := c.Kube.AppsV1().Deployments(Namespace).Get(ctx, DeploymentName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading Deployment %s/%s: %w", Namespace, DeploymentName, err)
	}
	return &d.Spec.Template, nil
}
