// Command patch_configmap is the built-in action kubernetes/patch_configmap: it sets and removes
// entries of a ConfigMap's data and leaves every other entry, and binaryData, as they are. It
// does not restart the pods that read the ConfigMap. See docs/actions.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

func main() { action.Main(patcher{kube: kube.InCluster("kubernaut-action/patch_configmap")}.run) }

// patcher is the action with its dependencies; tests give it a client for a real API server.
type patcher struct {
	kube kube.Env
}

// run reads the inputs, patches the ConfigMap and reports which keys changed.
func (p patcher) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	req, err := p.request(in)
	if err != nil {
		return nil, err
	}
	client, err := p.kube.NewClient()
	if err != nil {
		return nil, err
	}
	res, err := patchConfigMap(ctx, client, req)
	if err != nil {
		return nil, err
	}
	return action.Outputs{
		"configmap":   req.ConfigMap,
		"namespace":   req.Namespace,
		"addedKeys":   res.Added,
		"updatedKeys": res.Updated,
		"removedKeys": res.Removed,
		"changed":     res.changed(),
		"dryRun":      req.DryRun,
	}, nil
}

// errNothingToDo means neither "set" nor "remove" names a key: a step that changes nothing is
// a mistake in the workflow rather than a success.
var errNothingToDo = errors.New("the inputs \"set\" and \"remove\" are both empty; name at least one key to set or remove")

// request turns the inputs into a patchRequest. Every key must be a valid ConfigMap key, every
// value a string, and no key may be both set and removed.
func (p patcher) request(in *action.Inputs) (patchRequest, error) {
	name, err := in.String("configmap")
	if err != nil {
		return patchRequest{}, err
	}
	set, err := stringEntries(in)
	if err != nil {
		return patchRequest{}, err
	}
	remove, err := keysToRemove(in, set)
	if err != nil {
		return patchRequest{}, err
	}
	if len(set) == 0 && len(remove) == 0 {
		return patchRequest{}, errNothingToDo
	}
	dryRun, err := in.BoolOr("dryRun", false)
	if err != nil {
		return patchRequest{}, err
	}
	ns, err := p.kube.Namespace(in)
	if err != nil {
		return patchRequest{}, err
	}
	return patchRequest{Namespace: ns, ConfigMap: name, Set: set, Remove: remove, DryRun: dryRun}, nil
}

// stringEntries returns the input "set" as strings. A number or a boolean is refused rather
// than converted: in a YAML workflow `replicas: 3` is a number, and the author should see that
// the ConfigMap gets the string "3" by quoting it.
func stringEntries(in *action.Inputs) (map[string]string, error) {
	raw := map[string]any{}
	if in.Has("set") {
		var err error
		if raw, err = in.Object("set"); err != nil {
			return nil, err
		}
	}
	set := make(map[string]string, len(raw))
	for key, v := range raw {
		if err := checkKey("set", key); err != nil {
			return nil, err
		}
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("input \"set\": the value of %q must be a string, got %v (%T); quote it in the workflow", key, v, v)
		}
		set[key] = s
	}
	return set, nil
}

// keysToRemove returns the input "remove", sorted and without duplicates.
func keysToRemove(in *action.Inputs, set map[string]string) ([]string, error) {
	if !in.Has("remove") {
		return nil, nil
	}
	raw, err := in.Array("remove")
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var keys []string
	for i, v := range raw {
		key, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("input \"remove\"[%d] must be a string key, got %v (%T)", i, v, v)
		}
		if err := checkKey("remove", key); err != nil {
			return nil, err
		}
		if _, both := set[key]; both {
			return nil, fmt.Errorf("key %q is both in the input \"set\" and in \"remove\"; name it in one of them", key)
		}
		if !seen[key] {
			seen[key] = true
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	return keys, nil
}

// checkKey refuses what the API server would refuse as a ConfigMap key, naming the input.
func checkKey(input, key string) error {
	if problems := validation.IsConfigMapKey(key); len(problems) > 0 {
		return fmt.Errorf("input %q: %q is not a valid ConfigMap key: %s", input, key, strings.Join(problems, "; "))
	}
	return nil
}
