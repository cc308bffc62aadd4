// Command update_hpa is the built-in action kubernetes/update_hpa: it sets the minReplicas
// and/or maxReplicas of a HorizontalPodAutoscaler, keeping minReplicas at most maxReplicas.
// See docs/actions.md.
package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// maxBound repeats the contract's bound on both inputs, for runs without a contract.
const maxBound = 1000

func main() { action.Main(updater{kube: kube.InCluster("kubernaut-action/update_hpa")}.run) }

// updater is the action with its dependencies; tests give it a client for a real API server.
type updater struct {
	kube kube.Env
}

// hpaArgs are the action's inputs; a nil bound is left as it is.
type hpaArgs struct {
	HPA         string `json:"hpa"`
	MinReplicas *int32 `json:"minReplicas"`
	MaxReplicas *int32 `json:"maxReplicas"`
	DryRun      bool   `json:"dryRun"`
}

// run reads the inputs, updates the autoscaler and reports both bounds before and after.
func (u updater) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	req, err := u.request(in)
	if err != nil {
		return nil, err
	}
	client, err := u.kube.NewClient()
	if err != nil {
		return nil, err
	}
	res, err := updateHPA(ctx, client, req)
	if err != nil {
		return nil, err
	}
	return action.Outputs{
		"hpa":                 req.HPA,
		"namespace":           req.Namespace,
		"target":              res.Target,
		"previousMinReplicas": res.Before.Min,
		"minReplicas":         res.After.Min,
		"previousMaxReplicas": res.Before.Max,
		"maxReplicas":         res.After.Max,
		"currentReplicas":     res.CurrentReplicas,
		"changed":             res.Before != res.After,
		"dryRun":              req.DryRun,
	}, nil
}

// errNoBound means neither bound was given: the action would have nothing to do, which in a
// workflow is a mistake rather than a success.
var errNoBound = errors.New("give at least one of the inputs \"minReplicas\" and \"maxReplicas\"")

// request turns the inputs into an hpaRequest, checking what the contract checks when there is
// none. Whether min <= max holds can only be decided against the autoscaler (a bound not given
// stays as it is), except when both are given.
func (u updater) request(in *action.Inputs) (hpaRequest, error) {
	var args hpaArgs
	if err := in.Decode(&args); err != nil {
		return hpaRequest{}, err
	}
	if args.HPA == "" {
		return hpaRequest{}, fmt.Errorf("input \"hpa\" is missing or empty")
	}
	if args.MinReplicas == nil && args.MaxReplicas == nil {
		return hpaRequest{}, errNoBound
	}
	for name, v := range map[string]*int32{"minReplicas": args.MinReplicas, "maxReplicas": args.MaxReplicas} {
		if v != nil && (*v < 1 || *v > maxBound) {
			return hpaRequest{}, fmt.Errorf("input %q must be between 1 and %d, got %d", name, maxBound, *v)
		}
	}
	if args.MinReplicas != nil && args.MaxReplicas != nil && *args.MinReplicas > *args.MaxReplicas {
		return hpaRequest{}, fmt.Errorf("input \"minReplicas\" (%d) is greater than input \"maxReplicas\" (%d)",
			*args.MinReplicas, *args.MaxReplicas)
	}
	ns, err := u.kube.Namespace(in)
	if err != nil {
		return hpaRequest{}, err
	}
	return hpaRequest{Namespace: ns, HPA: args.HPA, Min: args.MinReplicas, Max: args.MaxReplicas, DryRun: args.DryRun}, nil
}
