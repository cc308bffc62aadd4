// Command relax_pdb is the built-in action kubernetes/relax_pdb: it relaxes a
// PodDisruptionBudget so that a blocked drain can proceed, recording the previous spec in an
// annotation, and restores that spec in a later run. See docs/actions.md.
package main

import (
	"context"
	"fmt"
	"regexp"
	"strconv"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

func main() { action.Main(relaxer{kube: kube.InCluster("kubernaut-action/relax_pdb")}.run) }

// relaxer is the action with its dependencies; tests give it a client for a real API server.
type relaxer struct {
	kube kube.Env
}

// relaxArgs are the action's inputs; an empty value is one not given.
type relaxArgs struct {
	PDB            string `json:"pdb"`
	MaxUnavailable string `json:"maxUnavailable"`
	MinAvailable   string `json:"minAvailable"`
	Restore        bool   `json:"restore"`
	DryRun         bool   `json:"dryRun"`
}

// run reads the inputs, relaxes or restores the budget and reports it before and after.
func (r relaxer) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	req, err := r.request(in)
	if err != nil {
		return nil, err
	}
	client, err := r.kube.NewClient()
	if err != nil {
		return nil, err
	}
	res, err := changeBudget(ctx, client, req)
	if err != nil {
		return nil, err
	}
	return action.Outputs{
		"pdb":                        req.PDB,
		"namespace":                  req.Namespace,
		"previousMinAvailable":       res.Before.MinAvailable,
		"previousMaxUnavailable":     res.Before.MaxUnavailable,
		"minAvailable":               res.After.MinAvailable,
		"maxUnavailable":             res.After.MaxUnavailable,
		"previousDisruptionsAllowed": res.DisruptionsAllowed,
		"recorded":                   res.Recorded,
		"changed":                    res.Changed,
		"dryRun":                     req.DryRun,
	}, nil
}

// request turns the inputs into a budgetRequest: a restore takes no value, a relaxation
// exactly one of maxUnavailable and minAvailable.
func (r relaxer) request(in *action.Inputs) (budgetRequest, error) {
	var args relaxArgs
	if err := in.Decode(&args); err != nil {
		return budgetRequest{}, err
	}
	if args.PDB == "" {
		return budgetRequest{}, fmt.Errorf("input \"pdb\" is missing or empty")
	}
	req := budgetRequest{PDB: args.PDB, Restore: args.Restore, DryRun: args.DryRun}
	switch given := args.MaxUnavailable != "" || args.MinAvailable != ""; {
	case args.Restore && given:
		return budgetRequest{}, fmt.Errorf("input \"restore\" puts back the recorded spec; give neither \"maxUnavailable\" nor \"minAvailable\" with it")
	case args.Restore:
	case args.MaxUnavailable != "" && args.MinAvailable != "":
		return budgetRequest{}, fmt.Errorf("give one of the inputs \"maxUnavailable\" and \"minAvailable\", not both: a PodDisruptionBudget holds only one")
	case !given:
		return budgetRequest{}, fmt.Errorf("give one of the inputs \"maxUnavailable\" and \"minAvailable\", or \"restore\": true")
	default:
		var err error
		if req.Value, err = relaxedValue(args); err != nil {
			return budgetRequest{}, err
		}
	}
	var err error
	if req.Namespace, err = r.kube.Namespace(in); err != nil {
		return budgetRequest{}, err
	}
	return req, nil
}

// budgetValue is "1" or "50%", the two forms of a budget's fields.
var budgetValue = regexp.MustCompile(`^([0-9]{1,6})(%?)$`)

// relaxedValue parses the value given and refuses values that block every eviction: they are
// the opposite of a relaxation, whatever the budget was.
func relaxedValue(args relaxArgs) (budgetField, error) {
	field := budgetField{Name: fieldMaxUnavailable, Input: args.MaxUnavailable}
	if args.MinAvailable != "" {
		field = budgetField{Name: fieldMinAvailable, Input: args.MinAvailable}
	}
	m := budgetValue.FindStringSubmatch(field.Input)
	if m == nil {
		return budgetField{}, fmt.Errorf("input %q must be a count such as \"1\" or a percentage such as \"50%%\", got %q", field.Name, field.Input)
	}
	n, _ := strconv.Atoi(m[1]) // at most six digits: cannot fail
	percent := m[2] == "%"
	switch {
	case percent && n > 100:
		return budgetField{}, fmt.Errorf("input %q %q is more than 100%%", field.Name, field.Input)
	case field.Name == fieldMaxUnavailable && n == 0:
		return budgetField{}, fmt.Errorf("input \"maxUnavailable\" %q allows no disruption at all, which blocks every drain; give at least \"1\"", field.Input)
	case field.Name == fieldMinAvailable && percent && n == 100:
		return budgetField{}, fmt.Errorf("input \"minAvailable\" \"100%%\" allows no disruption at all, which blocks every drain; give less")
	}
	field.Value = intstr.FromInt32(int32(n))
	if percent {
		field.Value = intstr.FromString(field.Input)
	}
	return field, nil
}
