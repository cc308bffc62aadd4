package tekton

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubernaut/kubernaut/internal/devcluster/kubeapply"
)

// clients are the shared clients, with this package's operations on them.
type clients struct{ *kubeapply.Clients }

func newClients(rc *rest.Config) (*clients, error) {
	c, err := kubeapply.NewClients(rc)
	if err != nil {
		return nil, err
	}
	return &clients{c}, nil
}

// applyParallelism bounds the concurrent applies within a rank: one at a time, 75 objects take
// seconds on a busy two-core machine, mostly waiting on the API server.
const applyParallelism = 8

// applyAll applies every object with server-side apply, taking ownership of conflicting fields,
// one rank after the other (see applyRank), and waits until the CRDs are Established before
// going on to the next rank.
func (c *clients) applyAll(ctx context.Context, objs []*unstructured.Unstructured, timeout time.Duration) ([]string, error) {
	var applied []string
	sorted := kubeapply.SortForApply(objs)
	for len(sorted) > 0 {
		rank := kubeapply.Rank(sorted[0].GetKind())
		n := 1
		for n < len(sorted) && kubeapply.Rank(sorted[n].GetKind()) == rank {
			n++
		}
		group := sorted[:n]
		sorted = sorted[n:]
		if err := c.applyGroup(ctx, group, timeout); err != nil {
			return applied, err
		}
		var crds []string
		for _, o := range group {
			applied = append(applied, kubeapply.Describe(o))
			if o.GetKind() == "CustomResourceDefinition" {
				crds = append(crds, o.GetName())
			}
		}
		if err := c.WaitEstablished(ctx, crds, timeout); err != nil {
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
		last = c.Objects.Apply(ctx, client.ApplyConfigurationFromUnstructured(o.DeepCopy()),
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
		return fmt.Errorf("applying %s: %w", kubeapply.Describe(o), last)
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
