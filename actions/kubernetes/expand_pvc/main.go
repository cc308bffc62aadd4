// Command expand_pvc is the built-in action kubernetes/expand_pvc: it grows a bound
// PersistentVolumeClaim whose StorageClass allows volume expansion. See docs/actions.md.
package main

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

func main() { action.Main(expander{kube: kube.InCluster("kubernaut-action/expand_pvc")}.run) }

// expander is the action with its dependencies; tests give it a client for a real API server.
type expander struct {
	kube kube.Env
}

// expandArgs are the action's inputs.
type expandArgs struct {
	PVC    string `json:"pvc"`
	Size   string `json:"size"`
	DryRun bool   `json:"dryRun"`
}

// run reads the inputs, expands the claim and reports the sizes before and after.
func (e expander) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	var args expandArgs
	if err := in.Decode(&args); err != nil {
		return nil, err
	}
	if args.PVC == "" {
		return nil, fmt.Errorf("input \"pvc\" is missing or empty")
	}
	size, err := resource.ParseQuantity(args.Size)
	if err != nil || size.Sign() <= 0 {
		return nil, fmt.Errorf("input \"size\" %q must be a positive quantity such as 20Gi", args.Size)
	}
	ns, err := e.kube.Namespace(in)
	if err != nil {
		return nil, err
	}
	client, err := e.kube.NewClient()
	if err != nil {
		return nil, err
	}
	ref := kube.Ref{Kind: "persistentvolumeclaim", Namespace: ns, Name: args.PVC}
	res, err := expandClaim(ctx, client, ref, size, args.DryRun)
	if err != nil {
		return nil, err
	}
	return action.Outputs{
		"pvc":          args.PVC,
		"namespace":    ns,
		"storageClass": res.StorageClass,
		"previousSize": res.Previous,
		"size":         res.Size,
		"capacity":     res.Capacity,
		"changed":      res.Changed,
		"dryRun":       args.DryRun,
	}, nil
}
