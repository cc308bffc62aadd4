package workflowexecution

import (
	"context"
	"sync"

	"k8s.io/apimachinery/pkg/types"

	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
)

// freshWorkflow reads the workflow from the cache, unless the cached copy is the very version
// this controller's last status write replaced: the watch has not delivered that write yet.
// A child's status change routinely wakes the controller within milliseconds of such a write
// (a step that fails at once, a fast action), and working from the stale copy would only end in
// a conflict, a retry with backoff and a second reconcile. Reading that one object past the
// cache costs a single GET instead.
func (r *Reconciler) freshWorkflow(ctx context.Context, key types.NamespacedName) (*workflowv1alpha1.WorkflowExecution, error) {
	obj := &workflowv1alpha1.WorkflowExecution{}
	if err := r.Client.Get(ctx, key, obj); err != nil {
		return nil, err
	}
	if r.APIReader == nil || !r.superseded.is(key, obj.ResourceVersion) {
		return obj, nil
	}
	if err := r.APIReader.Get(ctx, key, obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// staleVersions maps a workflow to the resourceVersion its last status write replaced. Only
// equality is tested (resourceVersions are opaque), and an entry only saves a conflict: a
// missing or outdated one costs a retry, never a wrong decision, since every status write
// carries the optimistic lock.
type staleVersions struct{ m sync.Map }

func (s *staleVersions) record(key types.NamespacedName, replaced string) { s.m.Store(key, replaced) }

func (s *staleVersions) is(key types.NamespacedName, version string) bool {
	v, ok := s.m.Load(key)
	return ok && v.(string) == version
}

func (s *staleVersions) forget(key types.NamespacedName) { s.m.Delete(key) }
