// Command cleanup_pvc is the built-in action kubernetes/cleanup_pvc (upstream's CleanupPVC): it
// deletes the PersistentVolumeClaims of a namespace, named in a list or chosen by a label
// selector, that no running pod uses, and reports why it kept the others. See docs/actions.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

func main() { action.Main(cleaner{kube: kube.InCluster("kubernaut-action/cleanup_pvc")}.run) }

// cleaner is the action with its dependencies; tests give it a client for a real API server.
type cleaner struct {
	kube kube.Env
}

// cleanupArgs are the action's inputs.
type cleanupArgs struct {
	PVCs     []string `json:"pvcs"`
	Selector string   `json:"selector"`
	DryRun   bool     `json:"dryRun"`
}

// run reads the inputs, deletes the unused claims and reports what it deleted and kept.
func (c cleaner) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	req, err := c.request(in)
	if err != nil {
		return nil, err
	}
	client, err := c.kube.NewClient()
	if err != nil {
		return nil, err
	}
	res, err := cleanup(ctx, client, req)
	if err != nil {
		return nil, err
	}
	return action.Outputs{
		"namespace": req.Namespace,
		"deleted":   res.Deleted,
		"skipped":   res.Skipped,
		"dryRun":    req.DryRun,
	}, nil
}

// errNoChoice means neither or both of pvcs and selector were given.
var errNoChoice = errors.New("give exactly one of the inputs \"pvcs\" (names of claims) and \"selector\" " +
	"(a label selector); the action never deletes all claims of a namespace implicitly")

// request turns the inputs into a cleanupRequest, checking what the contract cannot: exactly
// one way of choosing claims, the names, and the selector's syntax.
func (c cleaner) request(in *action.Inputs) (cleanupRequest, error) {
	var args cleanupArgs
	if err := in.Decode(&args); err != nil {
		return cleanupRequest{}, err
	}
	args.Selector = strings.TrimSpace(args.Selector)
	if (len(args.PVCs) > 0) == (args.Selector != "") {
		return cleanupRequest{}, errNoChoice
	}
	req := cleanupRequest{DryRun: args.DryRun}
	for i, name := range args.PVCs {
		if problems := validation.IsDNS1123Subdomain(name); len(problems) > 0 {
			return cleanupRequest{}, fmt.Errorf("input \"pvcs\"[%d] %q is not a claim name: %s", i, name, strings.Join(problems, "; "))
		}
	}
	req.Names = slices.Compact(slices.Sorted(slices.Values(args.PVCs)))
	if args.Selector != "" {
		sel, err := labels.Parse(args.Selector)
		if err != nil {
			return cleanupRequest{}, fmt.Errorf("input \"selector\" %q is not a label selector: %w", args.Selector, err)
		}
		if sel.Empty() {
			return cleanupRequest{}, errNoChoice
		}
		req.Selector = sel
	}
	ns, err := c.kube.Namespace(in)
	if err != nil {
		return cleanupRequest{}, err
	}
	req.Namespace = ns
	return req, nil
}
