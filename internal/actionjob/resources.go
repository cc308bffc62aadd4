package actionjob

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

// computeDefaults are the limit and request a container gets for a resource its contract
// leaves out.
var computeDefaults = []struct {
	name           corev1.ResourceName
	limit, request string
}{
	{corev1.ResourceCPU, DefaultCPULimit, DefaultCPURequest},
	{corev1.ResourceMemory, DefaultMemoryLimit, DefaultMemoryRequest},
}

// Resources returns the container resources for the contract. What the contract sets is used
// as is. CPU and memory always get a limit: the default, raised to the contract's request when
// that is higher (the API server refuses a request above its limit). When the contract sets
// neither request nor limit for one of them, the request is the small default too; when it sets
// only a limit, the request is left out and Kubernetes makes it equal to the limit, as in any
// manifest. Ephemeral storage is only what the contract says (/tmp has its own cap).
//
// The error, an *Error with reason ContractInvalid, is a quantity Kubernetes cannot parse;
// contract.Validate accepts only a subset of Kubernetes' quantity grammar, so a validated
// contract never fails here.
func Resources(c *contract.ActionContract) (corev1.ResourceRequirements, error) {
	limits, err := quantities(c.Spec.Resources.Limits, "spec.resources.limits")
	if err != nil {
		return corev1.ResourceRequirements{}, err
	}
	requests, err := quantities(c.Spec.Resources.Requests, "spec.resources.requests")
	if err != nil {
		return corev1.ResourceRequirements{}, err
	}
	for _, d := range computeDefaults {
		req, hasRequest := requests[d.name]
		if _, hasLimit := limits[d.name]; hasLimit {
			continue
		}
		limit := resource.MustParse(d.limit)
		if hasRequest && req.Cmp(limit) > 0 {
			limit = req.DeepCopy()
		}
		limits[d.name] = limit
		if !hasRequest {
			requests[d.name] = resource.MustParse(d.request)
		}
	}
	return corev1.ResourceRequirements{Limits: limits, Requests: requests}, nil
}

// quantities parses one resource list of the contract, in a stable order for stable errors.
func quantities(list map[string]string, path string) (corev1.ResourceList, error) {
	out := make(corev1.ResourceList, len(list))
	keys := make([]string, 0, len(list))
	for k := range list {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		q, err := resource.ParseQuantity(list[k])
		if err != nil {
			return nil, reasonError(executionv1alpha1.ContractInvalidReason,
				fmt.Errorf("%s.%s: %q is not a Kubernetes quantity: %w", path, k, list[k], err))
		}
		out[corev1.ResourceName(k)] = q
	}
	return out, nil
}
