// Command update_network_policy is the built-in action kubernetes/update_network_policy: it
// creates a NetworkPolicy or replaces or merges its spec, validated by the API server. See
// docs/actions.md.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// The values of the input "mode".
const (
	modeReplace = "replace"
	modeMerge   = "merge"
)

func main() {
	action.Main(policyUpdater{kube: kube.InCluster("kubernaut-action/update_network_policy")}.run)
}

// policyUpdater is the action with its dependencies; tests give it a client for a real API
// server.
type policyUpdater struct {
	kube kube.Env
}

// policyArgs are the action's inputs but the spec, which is read as a raw object.
type policyArgs struct {
	NetworkPolicy string `json:"networkPolicy"`
	Mode          string `json:"mode"`
	DryRun        bool   `json:"dryRun"`
}

// run reads the inputs, creates or changes the policy and reports its spec before and after.
func (u policyUpdater) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	req, err := u.request(in)
	if err != nil {
		return nil, err
	}
	client, err := u.kube.NewClient()
	if err != nil {
		return nil, err
	}
	res, err := updatePolicy(ctx, client, req)
	if err != nil {
		return nil, err
	}
	return action.Outputs{
		"networkPolicy":       req.Name,
		"namespace":           req.Namespace,
		"created":             res.Created,
		"changed":             res.Created || res.PreviousHash != res.Hash,
		"previousSpecHash":    res.PreviousHash,
		"specHash":            res.Hash,
		"previousPolicyTypes": res.PreviousTypes,
		"policyTypes":         res.Types,
		"dryRun":              req.DryRun,
	}, nil
}

// request turns the inputs into a policyRequest. The spec is checked here against the
// NetworkPolicySpec type, so that a misspelt field fails before anything is contacted; the API
// server then validates the values, and refuses unknown fields again (strict field validation).
func (u policyUpdater) request(in *action.Inputs) (policyRequest, error) {
	args := policyArgs{Mode: modeReplace}
	if err := in.Decode(&args); err != nil {
		return policyRequest{}, err
	}
	if args.NetworkPolicy == "" {
		return policyRequest{}, fmt.Errorf("input \"networkPolicy\" is missing or empty")
	}
	if args.Mode != modeReplace && args.Mode != modeMerge {
		return policyRequest{}, fmt.Errorf("input \"mode\" must be %q or %q, got %q", modeReplace, modeMerge, args.Mode)
	}
	spec, err := in.Object("spec")
	if err != nil {
		return policyRequest{}, err
	}
	req := policyRequest{Name: args.NetworkPolicy, Mode: args.Mode, DryRun: args.DryRun}
	if req.RawSpec, req.Spec, err = checkSpec(spec, args.Mode); err != nil {
		return policyRequest{}, err
	}
	_, req.HasPodSelector = spec["podSelector"]
	if req.Namespace, err = u.kube.Namespace(in); err != nil {
		return policyRequest{}, err
	}
	return req, nil
}

// checkSpec returns the spec as JSON and as the typed spec. It refuses an empty spec (a step
// that changes nothing is a mistake in the workflow), a field NetworkPolicySpec does not have,
// a replacement without podSelector, and a merge that removes podSelector: the API server
// would read either as the empty selector, which selects every pod of the namespace.
func checkSpec(spec map[string]any, mode string) ([]byte, networkingv1.NetworkPolicySpec, error) {
	var typed networkingv1.NetworkPolicySpec
	if len(spec) == 0 {
		return nil, typed, fmt.Errorf("input \"spec\" is empty; give the fields of the NetworkPolicy spec to set")
	}
	selector, hasSelector := spec["podSelector"]
	switch {
	case mode == modeReplace && !hasSelector:
		return nil, typed, fmt.Errorf("input \"spec\" has no podSelector; mode replace sets the whole spec, " +
			"and a missing podSelector would select every pod of the namespace: give it, {} if every pod is meant")
	case mode == modeMerge && hasSelector && selector == nil:
		return nil, typed, fmt.Errorf("input \"spec\" sets podSelector to null, which would select every pod " +
			"of the namespace: give {} if every pod is meant")
	}
	raw, err := json.Marshal(spec)
	if err != nil {
		return nil, typed, fmt.Errorf("input \"spec\": %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&typed); err != nil {
		return nil, typed, fmt.Errorf("input \"spec\" is not a NetworkPolicy spec (networking.k8s.io/v1): %w", err)
	}
	return raw, typed, nil
}
