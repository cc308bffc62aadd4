package kube

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Ref names one object in messages: "deployment shop/web".
type Ref struct {
	// Kind is the lower-case kind, as kubectl spells it: deployment, pod, statefulset.
	Kind string
	// Namespace is empty for a cluster-scoped object.
	Namespace string
	// Name is the object's name.
	Name string
}

// String renders the reference as "<kind> <namespace>/<name>", or "<kind> <name>" for a
// cluster-scoped object.
func (r Ref) String() string {
	if r.Namespace == "" {
		return r.Kind + " " + r.Name
	}
	return r.Kind + " " + r.Namespace + "/" + r.Name
}

// APIError explains a failed call (verb, such as "get" or "update scale of") on the object r.
// The API server's error stays wrapped, so apierrors.IsNotFound and friends still work on the
// result. The causes a workflow author can act on get a sentence of their own:
//
//   - not found: the target named in the inputs does not exist;
//   - forbidden: the action's ServiceAccount holds only its contract's rules, so the contract
//     lacks a rule (a bug in the action) or the controller did not grant it.
func APIError(err error, verb string, r Ref) error {
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("%s not found: check the inputs: %w", r, err)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("%s %s: forbidden; the action runs with exactly its contract's "+
			"rbac.permissions, which do not allow this: %w", verb, r, err)
	case apierrors.IsConflict(err):
		return fmt.Errorf("%s %s: changed by someone else meanwhile, retries exhausted: %w", verb, r, err)
	default:
		return fmt.Errorf("%s %s: %w", verb, r, err)
	}
}
