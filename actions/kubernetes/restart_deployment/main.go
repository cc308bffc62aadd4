// Command restart_deployment is the built-in action kubernetes/restart_deployment: it restarts a
// Deployment's pods with a rolling update, as `kubectl rollout restart` does, and by default
// waits until the rollout is complete. See docs/actions.md.
package main

import (
	"context"
	"fmt"
	"time"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

func main() {
	action.Main(restarter{kube: kube.InCluster("kubernaut-action/restart_deployment"), now: time.Now}.run)
}

// restarter is the action with its dependencies: the cluster, and the clock that dates the
// restart (fixed in tests).
type restarter struct {
	kube kube.Env
	now  func() time.Time
}

// restartArgs are the action's inputs. request starts from the contract's defaults, so that a
// run without a contract (a local binary) behaves the same.
type restartArgs struct {
	Deployment     string `json:"deployment"`
	DryRun         bool   `json:"dryRun"`
	WaitForRollout bool   `json:"waitForRollout"`
}

// run reads the inputs, restarts and reports the annotation and generation before and after.
func (r restarter) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	req, err := r.request(in)
	if err != nil {
		return nil, err
	}
	client, err := r.kube.NewClient()
	if err != nil {
		return nil, err
	}
	res, err := restartDeployment(ctx, client, req)
	if err != nil {
		return nil, err
	}
	return action.Outputs{
		"deployment":          req.Deployment,
		"namespace":           req.Namespace,
		"previousRestartedAt": res.PreviousRestartedAt,
		"restartedAt":         res.RestartedAt,
		"previousGeneration":  res.PreviousGeneration,
		"generation":          res.Generation,
		"updatedReplicas":     res.UpdatedReplicas,
		"availableReplicas":   res.AvailableReplicas,
		"dryRun":              req.DryRun,
	}, nil
}

// request turns the inputs into a restartRequest.
func (r restarter) request(in *action.Inputs) (restartRequest, error) {
	args := restartArgs{WaitForRollout: true}
	if err := in.Decode(&args); err != nil {
		return restartRequest{}, err
	}
	if args.Deployment == "" {
		return restartRequest{}, fmt.Errorf("input \"deployment\" is missing or empty")
	}
	ns, err := r.kube.Namespace(in)
	if err != nil {
		return restartRequest{}, err
	}
	return restartRequest{
		Namespace: ns, Deployment: args.Deployment, DryRun: args.DryRun, WaitForRollout: args.WaitForRollout,
		// kubectl's format: local time in RFC 3339, which in the action's scratch image is UTC.
		RestartedAt: r.now().Format(time.RFC3339),
	}, nil
}
