package deploy

import (
	"context"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubernaut/kubernaut/internal/actionregistry"
)

// clients talk to the cluster: controller-runtime's for applying any kind, client-go's for
// Deployments, pods and logs.
type clients struct {
	objects client.Client
	kube    kubernetes.Interface
}

func newClients(opts *Options) (*clients, error) {
	rc, err := opts.restConfig()
	if err != nil {
		return nil, err
	}
	if rc.QPS == 0 {
		// client-go's default of 5 per second would throttle the burst of applies.
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
	return &clients{objects: objects, kube: kube}, nil
}

// applyOrder puts what others depend on first: the namespace holds everything, the CRDs must be
// established before anything uses their kinds, and the manager starts last, when its
// ServiceAccount, RBAC and ConfigMaps exist.
func applyOrder(kind string) int {
	switch kind {
	case "Namespace":
		return 0
	case "CustomResourceDefinition":
		return 1
	case "Deployment":
		return 3
	default:
		return 2
	}
}

// sortForApply orders objects by applyOrder, keeping the rendered order within a rank.
func sortForApply(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	sorted := slices.Clone(objs)
	slices.SortStableFunc(sorted, func(a, b *unstructured.Unstructured) int {
		return applyOrder(a.GetKind()) - applyOrder(b.GetKind())
	})
	return sorted
}

// describe names an object as Kind/name or Kind/namespace/name.
func describe(o *unstructured.Unstructured) string {
	if o.GetNamespace() == "" {
		return o.GetKind() + "/" + o.GetName()
	}
	return o.GetKind() + "/" + o.GetNamespace() + "/" + o.GetName()
}

// applyAll applies every object with server-side apply, taking ownership of conflicting fields
// (a redeploy replaces whatever an earlier `kubectl apply` set), and waits for the CRDs after
// applying them. Without an ActionRegistry the registry ConfigMap is only created when absent.
func (c *clients) applyAll(ctx context.Context, objs []*unstructured.Unstructured, opts *Options) ([]string, error) {
	var applied []string
	var crds []string
	for _, o := range sortForApply(objs) {
		if o.GetKind() == "Deployment" && len(crds) > 0 {
			if err := c.waitEstablished(ctx, crds, opts.Timeout); err != nil {
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
		applied = append(applied, describe(o))
		opts.progressf("applied %s", describe(o))
	}
	if len(crds) > 0 {
		return applied, c.waitEstablished(ctx, crds, opts.Timeout)
	}
	return applied, nil
}

func (c *clients) apply(ctx context.Context, o *unstructured.Unstructured, keepRegistry bool) error {
	if keepRegistry && o.GetKind() == "ConfigMap" && o.GetName() == actionregistry.ConfigMapName {
		err := c.objects.Create(ctx, o.DeepCopy(), client.FieldOwner(FieldManager))
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating %s: %w", describe(o), err)
		}
		return nil
	}
	err := c.objects.Apply(ctx, client.ApplyConfigurationFromUnstructured(o.DeepCopy()),
		client.FieldOwner(FieldManager), client.ForceOwnership)
	if err != nil {
		return fmt.Errorf("applying %s: %w", describe(o), err)
	}
	return nil
}

// waitEstablished waits until every named CRD is Established, so that its kind can be used as
// soon as Deploy returns.
func (c *clients) waitEstablished(ctx context.Context, names []string, timeout time.Duration) error {
	for _, n := range names {
		crd := &unstructured.Unstructured{}
		crd.SetAPIVersion("apiextensions.k8s.io/v1")
		crd.SetKind("CustomResourceDefinition")
		err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
			if err := c.objects.Get(ctx, client.ObjectKey{Name: n}, crd); err != nil {
				return false, nil
			}
			return conditionTrue(crd, "Established"), nil
		})
		if err != nil {
			return fmt.Errorf("CustomResourceDefinition %s not Established after %s: %w", n, timeout, err)
		}
	}
	return nil
}

// conditionTrue reports whether status.conditions of o has type with status True.
func conditionTrue(o *unstructured.Unstructured, condType string) bool {
	conds, _, _ := unstructured.NestedSlice(o.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == condType && m["status"] == string(metav1.ConditionTrue) {
			return true
		}
	}
	return false
}

// managerTemplate returns the manager Deployment's pod template, or nil when there is none yet.
func (c *clients) managerTemplate(ctx context.Context) (*corev1.PodTemplateSpec, error) {
	d, err := c.kube.AppsV1().Deployments(Namespace).Get(ctx, DeploymentName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading Deployment %s/%s: %w", Namespace, DeploymentName, err)
	}
	return &d.Spec.Template, nil
}
