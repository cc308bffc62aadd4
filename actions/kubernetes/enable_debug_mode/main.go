// Command enable_debug_mode is the built-in action kubernetes/enable_debug_mode: it sets debug
// environment variables (by default LOG_LEVEL=debug) on a Deployment's container, records their
// previous values so that disable restores them exactly, and by default waits until the change
// has rolled out. See docs/actions.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

func main() {
	action.Main(debugger{kube: kube.InCluster("kubernaut-action/enable_debug_mode")}.run)
}

// debugger is the action with its dependencies; tests give it a client for a real API server.
type debugger struct {
	kube kube.Env
}

// debugArgs are the action's inputs. request starts from the contract's defaults, so that a run
// without a contract (a local binary) behaves the same.
type debugArgs struct {
	Deployment     string         `json:"deployment"`
	Container      string         `json:"container"`
	Env            map[string]any `json:"env"`
	Disable        bool           `json:"disable"`
	DryRun         bool           `json:"dryRun"`
	WaitForRollout bool           `json:"waitForRollout"`
}

// run reads the inputs, switches debug mode and reports the variables before and after.
func (g debugger) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	req, err := g.request(in)
	if err != nil {
		return nil, err
	}
	client, err := g.kube.NewClient()
	if err != nil {
		return nil, err
	}
	res, err := switchDebugMode(ctx, client, req)
	if err != nil {
		return nil, err
	}
	return action.Outputs{
		"deployment":        req.Deployment,
		"namespace":         req.Namespace,
		"container":         res.Container,
		"previousEnv":       describeEnv(res.Before, res.Names),
		"env":               describeEnv(res.After, res.Names),
		"enabled":           res.Enabled,
		"changed":           res.Changed,
		"previousRevision":  res.PreviousRevision,
		"revision":          res.Revision,
		"updatedReplicas":   res.UpdatedReplicas,
		"availableReplicas": res.AvailableReplicas,
		"dryRun":            req.DryRun,
	}, nil
}

// errNoEnv means enable was asked for with no variable to set.
var errNoEnv = errors.New("input \"env\" is empty: give at least one variable to set, such as {\"LOG_LEVEL\": \"debug\"}")

// request turns the inputs into a debugRequest, checking what the contract cannot: the
// variables' names and that their values are strings.
func (g debugger) request(in *action.Inputs) (debugRequest, error) {
	args := debugArgs{WaitForRollout: true}
	if err := in.Decode(&args); err != nil {
		return debugRequest{}, err
	}
	if !in.Has("env") { // the contract's default, set here and not before Decode, which merges maps
		args.Env = map[string]any{"LOG_LEVEL": "debug"}
	}
	if args.Deployment == "" {
		return debugRequest{}, fmt.Errorf("input \"deployment\" is missing or empty")
	}
	env, err := checkEnv(args.Env)
	if err != nil {
		return debugRequest{}, err
	}
	if len(env) == 0 && !args.Disable {
		return debugRequest{}, errNoEnv
	}
	ns, err := g.kube.Namespace(in)
	if err != nil {
		return debugRequest{}, err
	}
	return debugRequest{
		Namespace: ns, Deployment: args.Deployment, Container: args.Container, Env: env,
		Disable: args.Disable, DryRun: args.DryRun, WaitForRollout: args.WaitForRollout,
	}, nil
}

// checkEnv returns the variables as strings, refusing a name the API server would refuse and a
// value that is not a string (a number would need a decision on its formatting: "1e3" or
// "1000"; the workflow author quotes it instead).
func checkEnv(raw map[string]any) (map[string]string, error) {
	env := make(map[string]string, len(raw))
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		if problems := validation.IsEnvVarName(name); len(problems) > 0 {
			return nil, fmt.Errorf("input \"env\": %q is not a valid variable name: %s", name, strings.Join(problems, "; "))
		}
		value, ok := raw[name].(string)
		if !ok {
			return nil, fmt.Errorf("input \"env\": the value of %s must be a string, got %v; quote it", name, raw[name])
		}
		env[name] = value
	}
	return env, nil
}
