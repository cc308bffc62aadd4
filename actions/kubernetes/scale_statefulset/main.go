// Command scale_statefulset is the built-in action kubernetes/scale_statefulset: it sets a
// StatefulSet's replicas through the scale subresource and, by default, waits until that many
// replicas are ready. See docs/actions.md.
package main

import (
	"context"
	"fmt"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// maxReplicas repeats the contract's bound, for runs without a contract (a local binary).
const maxReplicas = 1000

func main() { action.Main(scaler{kube: kube.InCluster("kubernaut-action/scale_statefulset")}.run) }

// scaler is the action with its dependencies; tests give it a client for a real API server.
type scaler struct {
	kube kube.Env
}

// scaleArgs are the action's inputs. request starts from the contract's defaults, so that a
// run without a contract (a local binary) behaves the same.
type scaleArgs struct {
	StatefulSet  string `json:"statefulset"`
	Replicas     int32  `json:"replicas"`
	DryRun       bool   `json:"dryRun"`
	WaitForReady bool   `json:"waitForReady"`
}

// run reads the inputs, scales and reports what changed.
func (s scaler) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	req, err := s.request(in)
	if err != nil {
		return nil, err
	}
	client, err := s.kube.NewClient()
	if err != nil {
		return nil, err
	}
	res, err := scaleStatefulSet(ctx, client, req)
	if err != nil {
		return nil, err
	}
	return action.Outputs{
		"statefulset":      req.StatefulSet,
		"namespace":        req.Namespace,
		"previousReplicas": res.Previous,
		"replicas":         res.Replicas,
		"actualReplicas":   res.Ready,
		"changed":          res.Changed,
		"dryRun":           req.DryRun,
	}, nil
}

// request turns the inputs into a scaleRequest, checking what the contract checks when there
// is none.
func (s scaler) request(in *action.Inputs) (scaleRequest, error) {
	args := scaleArgs{WaitForReady: true}
	if err := in.Decode(&args); err != nil {
		return scaleRequest{}, err
	}
	if args.StatefulSet == "" {
		return scaleRequest{}, fmt.Errorf("input \"statefulset\" is missing or empty")
	}
	if !in.Has("replicas") {
		return scaleRequest{}, fmt.Errorf("input \"replicas\" is missing")
	}
	if args.Replicas < 0 || args.Replicas > maxReplicas {
		return scaleRequest{}, fmt.Errorf("input \"replicas\" must be between 0 and %d, got %d", maxReplicas, args.Replicas)
	}
	ns, err := s.kube.Namespace(in)
	if err != nil {
		return scaleRequest{}, err
	}
	return scaleRequest{
		Namespace: ns, StatefulSet: args.StatefulSet, Replicas: args.Replicas,
		DryRun: args.DryRun, WaitForReady: args.WaitForReady,
	}, nil
}
