package tekton

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// clients talk to the cluster: controller-runtime's for applying any kind, client-go's for
// Deployments, pods and events.
type clients struct {
	objects client.Client
	kube    kubernetes.Interface
}

func newClients(rc *rest.Config) (*clients, error) {
	rc = rest.CopyConfig(rc)
	if rc.QPS == 0 {
		// client-go's default of 5 per second would throttle the burst of 75 applies.
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

// applyRank puts what others depend on first: namespaces hold everything, CRDs must be
// established before anything uses their kinds, and the Deployments start last, when their
// ServiceAccounts, RBAC, ConfigMaps and Secrets exist.
func applyRank(kind string) int {
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

// sortForApply orders objects by applyRank, keeping the rendered order within a rank.
func sortForApply(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	sorted := slices.Clone(objs)
	slices.SortStableFunc(sorted, func(a, b *unstructured.Unstructured) int {
		return applyRank(a.GetKind()) - applyRank(b.GetKind())
	})
	return sorted
}

// applyParallelism bounds the concurrent applies within a rank: one at a time, 75 objects take
// seconds on a busy two-core machine, mostly waiting on the API server.
const applyParallelism = 8

// applyAll applies every object with server-side apply, taking ownership of conflicting fields,
// one rank after the other (see applyRank), and waits until the CRDs are Established before
// going on to the next rank.
func (c *clients) applyAll(ctx context.Context, objs []*unstructured.Unstructured, timeout time.Duration) ([]string, error) {
	var applied []string
	sorted := sortForApply(objs)
	for len(sorted) > 0 {
		rank := applyRank(sorted[0].GetKind())
		n := 1
		for n < len(sorted) && applyRank(sorted[n].GetKind()) == rank {
			n++
		}
		group := sorted[:n]
		sorted = sorted[n:]
		if err := c.applyGroup(ctx, group, timeout); err != nil {
			return applied, err
		}
		var crds []string
		for _, o := range group {
			applied = append(applied, describe(o))
			if o.GetKind() == "CustomResourceDefinition" {
				crds = append(crds, o.GetName())
			}
		}
		if err := c.waitEstablished(ctx, crds, timeout); err != nil {
			return applied, err
		}
	}
	return applied, nil
}

// applyGroup applies objects that do not depend on each other concurrently.
func (c *clients) applyGroup(ctx context.Context, group []*unstructured.Unstructured, timeout time.Duration) error {
	errs := make([]error, len(group))
	slots := make(chan struct{}, applyParallelism)
	var wg sync.WaitGroup
	for i, o := range group {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			errs[i] = c.apply(ctx, o, timeout)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// apply applies one object. Tekton's webhook validates its own ConfigMaps (failurePolicy Fail),
// so re-applying while its pod is restarting fails until it serves again: such refusals are
// retried until timeout, anything else fails at once.
func (c *clients) apply(ctx context.Context, o *unstructured.Unstructured, timeout time.Duration) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		last = c.objects.Apply(ctx, client.ApplyConfigurationFromUnstructured(o.DeepCopy()),
			client.FieldOwner(FieldManager), client.ForceOwnership)
		if last == nil {
			return true, nil
		}
		return false, retryableApply(last)
	})
	if err != nil {
		if last == nil {
			last = err
		}
		return fmt.Errorf("applying %s: %w", describe(o), last)
	}
	return nil
}

// retryableApply returns nil for errors that go away once Tekton's webhook serves, and err
// otherwise (which stops the retries).
func retryableApply(err error) error {
	if strings.Contains(err.Error(), "failed calling webhook") || apierrors.IsInternalError(err) ||
		apierrors.IsServiceUnavailable(err) || apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err) {
		return nil
	}
	return err
}

// waitEstablished waits until every named CRD is Established.
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
