// Command rotate_secret is the built-in action kubernetes/rotate_secret: it gives keys of a
// Secret new random values, never revealing them, and optionally restarts the Deployments that
// read the Secret. See docs/actions.md.
package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// Bounds and defaults of the contract's inputs, repeated for runs without a contract.
const (
	defaultLength   = 32
	minLength       = 32
	maxLength       = 4096
	defaultAlphabet = "alphanumeric"
)

func main() {
	action.Main(rotator{kube: kube.InCluster("kubernaut-action/rotate_secret"), random: rand.Reader, now: time.Now}.run)
}

// rotator is the action with its dependencies: the cluster, the source of randomness
// (crypto/rand outside tests) and the clock that dates restarts.
type rotator struct {
	kube   kube.Env
	random io.Reader
	now    func() time.Time
}

// rotateArgs are the action's inputs. request starts from the contract's defaults, so that a
// run without a contract (a local binary) behaves the same.
type rotateArgs struct {
	Secret            string   `json:"secret"`
	Keys              []string `json:"keys"`
	Length            int      `json:"length"`
	Alphabet          string   `json:"alphabet"`
	RestartDependents bool     `json:"restartDependents"`
	WaitForRollout    bool     `json:"waitForRollout"`
	DryRun            bool     `json:"dryRun"`
}

// run reads the inputs, rotates the keys, restarts the dependents when asked, and reports the
// keys and resourceVersions: never a value.
func (r rotator) run(ctx context.Context, in *action.Inputs) (action.Outputs, error) {
	req, err := r.request(in)
	if err != nil {
		return nil, err
	}
	client, err := r.kube.NewClient()
	if err != nil {
		return nil, err
	}
	res, err := rotateSecret(ctx, client, req, r.random)
	if err != nil {
		return nil, err
	}
	restarted := []string{}
	if req.RestartDependents {
		if restarted, err = restartDependents(ctx, client, req, r.now().Format(time.RFC3339)); err != nil {
			return nil, fmt.Errorf("the keys %v of %s were rotated, but restarting its dependents failed: %w",
				res.Rotated, req.ref(), err)
		}
	}
	return action.Outputs{
		"secret":                  req.Secret,
		"namespace":               req.Namespace,
		"rotatedKeys":             res.Rotated,
		"previousResourceVersion": res.PreviousResourceVersion,
		"resourceVersion":         res.ResourceVersion,
		"restartedDeployments":    restarted,
		"dryRun":                  req.DryRun,
	}, nil
}

// request turns the inputs into a rotateRequest, checking what the contract checks when there
// is none.
func (r rotator) request(in *action.Inputs) (rotateRequest, error) {
	args := rotateArgs{Length: defaultLength, Alphabet: defaultAlphabet, WaitForRollout: true}
	if err := in.Decode(&args); err != nil {
		return rotateRequest{}, err
	}
	if args.Secret == "" {
		return rotateRequest{}, fmt.Errorf("input \"secret\" is missing or empty")
	}
	keys, err := checkKeys(args.Keys)
	if err != nil {
		return rotateRequest{}, err
	}
	if args.Length < minLength || args.Length > maxLength {
		return rotateRequest{}, fmt.Errorf("input \"length\" must be between %d and %d, got %d", minLength, maxLength, args.Length)
	}
	chars, ok := alphabets[args.Alphabet]
	if !ok {
		return rotateRequest{}, fmt.Errorf("input \"alphabet\" %q is not one of %s", args.Alphabet, strings.Join(alphabetNames(), ", "))
	}
	ns, err := r.kube.Namespace(in)
	if err != nil {
		return rotateRequest{}, err
	}
	return rotateRequest{
		Namespace: ns, Secret: args.Secret, Keys: keys, Length: args.Length, Chars: chars,
		RestartDependents: args.RestartDependents, WaitForRollout: args.WaitForRollout, DryRun: args.DryRun,
	}, nil
}

// checkKeys returns the keys sorted and without duplicates; each must be a valid Secret key.
func checkKeys(keys []string) ([]string, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("input \"keys\" is empty; name at least one key of the Secret to rotate")
	}
	for i, key := range keys {
		if problems := validation.IsConfigMapKey(key); len(problems) > 0 {
			return nil, fmt.Errorf("input \"keys\"[%d]: %q is not a valid Secret key: %s", i, key, strings.Join(problems, "; "))
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(keys))), nil
}
