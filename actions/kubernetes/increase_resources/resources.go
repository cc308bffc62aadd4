package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// field is one of the four values the action can change: a resource (cpu, memory) in the
// requests or the limits of a container.
type field struct {
	Input    string // the input and output name: cpuRequest, ...
	Resource corev1.ResourceName
	Limit    bool // limits rather than requests
}

// fields lists the four in the order they are reported.
var fields = []field{
	{"cpuRequest", corev1.ResourceCPU, false},
	{"cpuLimit", corev1.ResourceCPU, true},
	{"memoryRequest", corev1.ResourceMemory, false},
	{"memoryLimit", corev1.ResourceMemory, true},
}

// previousOutput is the name of the output holding f's value before the action.
func (f field) previousOutput() string {
	return "previous" + strings.ToUpper(f.Input[:1]) + f.Input[1:]
}

// get returns f's value in r, and whether it is set.
func (f field) get(r corev1.ResourceRequirements) (resource.Quantity, bool) {
	list := r.Requests
	if f.Limit {
		list = r.Limits
	}
	q, ok := list[f.Resource]
	return q, ok
}

// change is the request for one field: an absolute quantity, or a factor of the current value.
type change struct {
	Absolute *resource.Quantity
	Factor   float64
}

// parseChange reads an input value: "x<factor>" or a Kubernetes quantity.
func parseChange(input, value string) (change, error) {
	if rest, ok := strings.CutPrefix(value, "x"); ok {
		factor, err := strconv.ParseFloat(rest, 64)
		if err != nil || factor <= 0 || math.IsInf(factor, 0) {
			return change{}, fmt.Errorf("input %q: %q is not a factor such as x1.5: it must be a positive number after the x", input, value)
		}
		return change{Factor: factor}, nil
	}
	q, err := resource.ParseQuantity(value)
	if err != nil {
		return change{}, fmt.Errorf("input %q: %q is neither a quantity such as 500m or 512Mi nor a factor such as x1.5: %w", input, value, err)
	}
	if q.Sign() <= 0 {
		return change{}, fmt.Errorf("input %q: %q must be more than zero", input, value)
	}
	return change{Absolute: &q}, nil
}

// apply returns the new value of f given its current one. A factor needs a current value, and
// its result is rounded up: CPU to a whole millicore, memory to a whole MiB, so that the result
// reads like a value a person would write ("384Mi") and is never below the factor's product.
func (c change) apply(f field, current resource.Quantity, set bool) (resource.Quantity, error) {
	if c.Absolute != nil {
		return *c.Absolute, nil
	}
	if !set {
		return resource.Quantity{}, fmt.Errorf("input %q is the factor x%g, but the container has no %s to multiply; give an absolute quantity",
			f.Input, c.Factor, f.describe())
	}
	if f.Resource == corev1.ResourceCPU {
		milli := math.Ceil(float64(current.MilliValue())*c.Factor - 1e-9)
		return *resource.NewMilliQuantity(int64(milli), resource.DecimalSI), nil
	}
	const mi = 1 << 20
	mib := math.Ceil(float64(current.Value())*c.Factor/mi - 1e-9)
	return *resource.NewQuantity(int64(mib)*mi, resource.BinarySI), nil
}

// describe names f in messages: "memory limit".
func (f field) describe() string {
	if f.Limit {
		return string(f.Resource) + " limit"
	}
	return string(f.Resource) + " request"
}

// newResources returns a copy of current with the changes applied, the list of fields that
// change, and an error naming the first field that would decrease (unless allowDecrease) or
// end up with a request above its limit, which the API server would refuse less helpfully.
func newResources(current corev1.ResourceRequirements, changes map[string]change, allowDecrease bool) (corev1.ResourceRequirements, error) {
	next := *current.DeepCopy()
	for _, f := range fields {
		c, ok := changes[f.Input]
		if !ok {
			continue
		}
		old, set := f.get(current)
		q, err := c.apply(f, old, set)
		if err != nil {
			return next, err
		}
		if set && q.Cmp(old) < 0 && !allowDecrease {
			return next, fmt.Errorf("input %q would lower the %s from %s to %s; set allowDecrease: true to allow a decrease",
				f.Input, f.describe(), old.String(), q.String())
		}
		if set && q.Cmp(old) == 0 {
			continue // keep the current notation: "1" stays "1", not "1000m"
		}
		setQuantity(&next, f, q)
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, hasReq := next.Requests[r]
		limit, hasLimit := next.Limits[r]
		if hasReq && hasLimit && req.Cmp(limit) > 0 {
			return next, fmt.Errorf("the %s request %s would be above the %s limit %s; raise the limit in the same step",
				r, req.String(), r, limit.String())
		}
	}
	return next, nil
}

func setQuantity(r *corev1.ResourceRequirements, f field, q resource.Quantity) {
	if f.Limit {
		if r.Limits == nil {
			r.Limits = corev1.ResourceList{}
		}
		r.Limits[f.Resource] = q
		return
	}
	if r.Requests == nil {
		r.Requests = corev1.ResourceList{}
	}
	r.Requests[f.Resource] = q
}

// quantityString is f's value in r as the API shows it, or "" when unset.
func quantityString(r corev1.ResourceRequirements, f field) string {
	if q, ok := f.get(r); ok {
		return q.String()
	}
	return ""
}
