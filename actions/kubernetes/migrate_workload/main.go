// Command migrate_workload is the built-in action kubernetes/migrate_workload: it moves a
// Deployment's pods off a node or onto a node through one required node-affinity expression
// that it records, so that it can remove exactly that expression later, and by default waits
// for the rollout and checks where the pods run. See docs/actions.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// maxTimeoutSeconds repeats the contract's bound, for runs without a contract.
const maxTimeoutSeconds = 3600

func main() {
	action.Main(migrator{kube: kube.InCluster("kubernaut-action/migrate_workload")}.run)
}

// migrator is the action with its dependencies; tests give it a client for a real API server.
type migrator struct {
	kube kube.Env
}

// migrateArgs are the action's inputs. request starts from the contract's defaults, so that a
// run without a contract (a local binary) behaves the same.
type migrateArgs struct {
	Deployment     string `json:"deployment"`
	TargetNode     string `json:"targetNode"`
	AvoidNode      string `json:"avoidNode"`
	Clear          bool   `json:"clear"`
	DryRun         bool   `json:"dryRun"`
	WaitForRollout bool   `json:"waitForRollout"`
	TimeoutSeconds int    `json:"timeoutSeconds"`
}

// run reads the inputs, changes the placement and reports it before and after.
func (m migrator) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	req, err := m.request(in)
	if err != nil {
		return nil, err
	}
	client, err := m.kube.NewClient()
	if err != nil {
		return nil, err
	}
	res, err := migrate(ctx, client, req)
	if err != nil {
		return nil, err
	}
	return action.Outputs{
		"deployment":           req.Deployment,
		"namespace":            req.Namespace,
		"previousConstraint":   res.Previous.String(),
		"constraint":           res.Current.String(),
		"previousNodeAffinity": asObject(res.PreviousRequired),
		"nodeAffinity":         asObject(res.Required),
		"previousPlacement":    res.PreviousPlacement.asOutput(),
		"placement":            res.Placement.asOutput(),
		"changed":              res.Changed,
		"updatedReplicas":      res.UpdatedReplicas,
		"availableReplicas":    res.AvailableReplicas,
		"dryRun":               req.DryRun,
	}, nil
}

// errNoChoice means not exactly one of targetNode, avoidNode and clear was given.
var errNoChoice = errors.New("give exactly one of the inputs \"targetNode\", \"avoidNode\" and \"clear\": true")

// request turns the inputs into a migrateRequest.
func (m migrator) request(in *action.Inputs) (migrateRequest, error) {
	args := migrateArgs{WaitForRollout: true, TimeoutSeconds: 300}
	if err := in.Decode(&args); err != nil {
		return migrateRequest{}, err
	}
	if args.Deployment == "" {
		return migrateRequest{}, fmt.Errorf("input \"deployment\" is missing or empty")
	}
	given := 0
	req := migrateRequest{Clear: args.Clear, DryRun: args.DryRun, WaitForRollout: args.WaitForRollout}
	for _, choice := range []struct {
		set bool
		c   constraint
	}{
		{args.TargetNode != "", constraint{Operator: corev1.NodeSelectorOpIn, Node: args.TargetNode}},
		{args.AvoidNode != "", constraint{Operator: corev1.NodeSelectorOpNotIn, Node: args.AvoidNode}},
		{args.Clear, constraint{}},
	} {
		if choice.set {
			given++
			req.Want = choice.c
		}
	}
	if given != 1 {
		return migrateRequest{}, errNoChoice
	}
	if args.TimeoutSeconds < 1 || args.TimeoutSeconds > maxTimeoutSeconds {
		return migrateRequest{}, fmt.Errorf("input \"timeoutSeconds\" must be between 1 and %d, got %d", maxTimeoutSeconds, args.TimeoutSeconds)
	}
	req.Timeout = time.Duration(args.TimeoutSeconds) * time.Second
	ns, err := m.kube.Namespace(in)
	if err != nil {
		return migrateRequest{}, err
	}
	req.Namespace, req.Deployment = ns, args.Deployment
	return req, nil
}
