// Command increase_resources is the built-in action kubernetes/increase_resources: it raises the
// CPU and memory requests and limits of one container of a Deployment, to absolute quantities or
// by a factor, and by default waits until the change has rolled out. See docs/actions.md.
package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

func main() {
	action.Main(increaser{kube: kube.InCluster("kubernaut-action/increase_resources")}.run)
}

// increaser is the action with its dependencies; tests give it a client for a real API server.
type increaser struct {
	kube kube.Env
}

// increaseArgs are the action's inputs other than the four values. request starts from the
// contract's defaults, so that a run without a contract (a local binary) behaves the same.
type increaseArgs struct {
	Deployment     string `json:"deployment"`
	Container      string `json:"container"`
	AllowDecrease  bool   `json:"allowDecrease"`
	DryRun         bool   `json:"dryRun"`
	WaitForRollout bool   `json:"waitForRollout"`
}

// run reads the inputs, changes the resources and reports each value before and after.
func (i increaser) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	req, err := i.request(in)
	if err != nil {
		return nil, err
	}
	client, err := i.kube.NewClient()
	if err != nil {
		return nil, err
	}
	res, err := increaseResources(ctx, client, req)
	if err != nil {
		return nil, err
	}
	out := action.Outputs{
		"deployment":        req.Deployment,
		"namespace":         req.Namespace,
		"container":         res.Container,
		"changed":           res.Changed,
		"updatedReplicas":   res.UpdatedReplicas,
		"availableReplicas": res.AvailableReplicas,
		"dryRun":            req.DryRun,
	}
	for _, f := range fields {
		out[f.previousOutput()] = quantityString(res.Before, f)
		out[f.Input] = quantityString(res.After, f)
	}
	return out, nil
}

// errNoChange means none of the four values was given.
var errNoChange = errors.New("give at least one of the inputs cpuRequest, cpuLimit, memoryRequest and memoryLimit")

// request turns the inputs into an increaseRequest.
func (i increaser) request(in *action.Inputs) (increaseRequest, error) {
	args := increaseArgs{WaitForRollout: true}
	if err := in.Decode(&args); err != nil {
		return increaseRequest{}, err
	}
	if args.Deployment == "" {
		return increaseRequest{}, fmt.Errorf("input \"deployment\" is missing or empty")
	}
	changes := map[string]change{}
	for _, f := range fields {
		if !in.Has(f.Input) {
			continue
		}
		value, err := in.String(f.Input)
		if err != nil {
			return increaseRequest{}, err
		}
		if changes[f.Input], err = parseChange(f.Input, value); err != nil {
			return increaseRequest{}, err
		}
	}
	if len(changes) == 0 {
		return increaseRequest{}, errNoChange
	}
	ns, err := i.kube.Namespace(in)
	if err != nil {
		return increaseRequest{}, err
	}
	return increaseRequest{
		Namespace: ns, Deployment: args.Deployment, Container: args.Container, Changes: changes,
		AllowDecrease: args.AllowDecrease, DryRun: args.DryRun, WaitForRollout: args.WaitForRollout,
	}, nil
}
