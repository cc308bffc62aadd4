// Command rollback_deployment is the built-in action kubernetes/rollback_deployment: it rolls a
// Deployment back to a named or the previous revision, as `kubectl rollout undo` does, and by
// default waits until the rollout is complete. See docs/actions.md.
package main

import (
	"context"
	"fmt"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

func main() {
	action.Main(rollbacker{kube: kube.InCluster("kubernaut-action/rollback_deployment")}.run)
}

// rollbacker is the action with its dependencies; tests give it a client for a real API server.
type rollbacker struct {
	kube kube.Env
}

// rollbackArgs are the action's inputs. request starts from the contract's defaults, so that a
// run without a contract (a local binary) behaves the same.
type rollbackArgs struct {
	Deployment     string `json:"deployment"`
	Revision       int64  `json:"revision"`
	DryRun         bool   `json:"dryRun"`
	WaitForRollout bool   `json:"waitForRollout"`
}

// run reads the inputs, rolls back and reports the revisions and images before and after.
func (r rollbacker) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	req, err := r.request(in)
	if err != nil {
		return nil, err
	}
	client, err := r.kube.NewClient()
	if err != nil {
		return nil, err
	}
	res, err := rollbackDeployment(ctx, client, req)
	if err != nil {
		return nil, err
	}
	return action.Outputs{
		"deployment":        req.Deployment,
		"namespace":         req.Namespace,
		"fromRevision":      res.FromRevision,
		"toRevision":        res.ToRevision,
		"previousImages":    res.PreviousImages,
		"images":            res.Images,
		"changed":           res.Changed,
		"updatedReplicas":   res.UpdatedReplicas,
		"availableReplicas": res.AvailableReplicas,
		"dryRun":            req.DryRun,
	}, nil
}

// request turns the inputs into a rollbackRequest, checking what the contract checks when there
// is none.
func (r rollbacker) request(in *action.Inputs) (rollbackRequest, error) {
	args := rollbackArgs{WaitForRollout: true}
	if err := in.Decode(&args); err != nil {
		return rollbackRequest{}, err
	}
	if args.Deployment == "" {
		return rollbackRequest{}, fmt.Errorf("input \"deployment\" is missing or empty")
	}
	if args.Revision < 0 {
		return rollbackRequest{}, fmt.Errorf("input \"revision\" must be 0 (the previous revision) or more, got %d", args.Revision)
	}
	ns, err := r.kube.Namespace(in)
	if err != nil {
		return rollbackRequest{}, err
	}
	return rollbackRequest{
		Namespace: ns, Deployment: args.Deployment, Revision: args.Revision,
		DryRun: args.DryRun, WaitForRollout: args.WaitForRollout,
	}, nil
}
