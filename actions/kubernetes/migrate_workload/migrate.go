package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/actions/internal/rollout"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// fieldManager names the action in managedFields.
const fieldManager = "kubernaut-migrate-workload"

// migrateRequest is one complete, checked request.
type migrateRequest struct {
	Namespace      string
	Deployment     string
	Want           constraint // the zero constraint with Clear
	Clear          bool
	DryRun         bool
	WaitForRollout bool
	Timeout        time.Duration
}

// migrateResult says what the action found and did.
type migrateResult struct {
	Previous, Current                  constraint
	PreviousRequired, Required         *corev1.NodeSelector
	PreviousPlacement, Placement       placement
	Changed                            bool
	UpdatedReplicas, AvailableReplicas int32
}

// migrate changes the Deployment's constraint, then waits for the rollout and checks where
// the ready pods run, when asked.
func migrate(ctx context.Context, c kubernetes.Interface, req migrateRequest) (migrateResult, error) {
	ref := kube.Ref{Kind: "deployment", Namespace: req.Namespace, Name: req.Deployment}
	var res migrateResult
	var d *appsv1.Deployment
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var err error
		d, res, err = migrateOnce(ctx, c, req, ref)
		return err
	})
	if apierrors.IsConflict(err) {
		return migrateResult{}, kube.APIError(err, "patch", ref)
	}
	if err != nil {
		return migrateResult{}, err
	}
	logChange(ctx, req, ref, res)
	res.Placement = res.PreviousPlacement
	if res.Changed && !req.DryRun && req.WaitForRollout {
		if d, res.Placement, err = waitForPlacement(ctx, c, req, ref, res.Current); err != nil {
			return migrateResult{}, err
		}
		action.Logf(ctx, "%s: ready pods per node now %s (before: %s)", ref, res.Placement, res.PreviousPlacement)
	}
	res.UpdatedReplicas, res.AvailableReplicas = d.Status.UpdatedReplicas, d.Status.AvailableReplicas
	return res, nil
}

// migrateOnce reads the Deployment and its placement, works out the new affinity, checks a
// target node, and patches the template once (see templatePatch). A conflict is returned as it
// is, for RetryOnConflict.
func migrateOnce(ctx context.Context, c kubernetes.Interface, req migrateRequest, ref kube.Ref) (*appsv1.Deployment, migrateResult, error) {
	deployments := c.AppsV1().Deployments(req.Namespace)
	d, err := deployments.Get(ctx, req.Deployment, metav1.GetOptions{})
	if err != nil {
		return nil, migrateResult{}, kube.APIError(err, "get", ref)
	}
	if d.Spec.Paused {
		return nil, migrateResult{}, fmt.Errorf("%s is paused: the change would not roll out until it is resumed; "+
			"resume it first (kubectl rollout resume deployment/%s)", ref, req.Deployment)
	}
	previous, err := parseRecord(d.Spec.Template.Annotations)
	if err != nil {
		return nil, migrateResult{}, fmt.Errorf("%s: %w", ref, err)
	}
	affinity, annotations := newTemplate(d, previous, req.Want)
	res := migrateResult{
		Previous: previous, Current: req.Want,
		PreviousRequired: requiredOf(d.Spec.Template.Spec.Affinity), Required: requiredOf(affinity),
		Changed: previous != req.Want || !apiequality.Semantic.DeepEqual(affinity, d.Spec.Template.Spec.Affinity),
	}
	if res.Changed && req.Want.Node != "" {
		if err := checkNode(ctx, c, req.Want, d, affinity); err != nil {
			return nil, migrateResult{}, err
		}
	}
	pods, err := readyPods(ctx, c, d, ref)
	if err != nil {
		return nil, migrateResult{}, err
	}
	res.PreviousPlacement = placementOf(pods)
	if !res.Changed {
		return d, res, nil
	}
	opts := metav1.PatchOptions{FieldManager: fieldManager}
	if req.DryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	patched, err := deployments.Patch(ctx, req.Deployment, types.JSONPatchType, templatePatch(d, affinity, annotations), opts)
	if apierrors.IsConflict(err) {
		return nil, migrateResult{}, err
	}
	if err != nil {
		return nil, migrateResult{}, kube.APIError(err, "patch", ref)
	}
	res.Required = requiredOf(patched.Spec.Template.Spec.Affinity)
	return patched, res, nil
}

// newTemplate returns the template's affinity and annotations with the previous constraint
// replaced by want (removed when want is the zero constraint).
func newTemplate(d *appsv1.Deployment, previous, want constraint) (*corev1.Affinity, map[string]string) {
	affinity := d.Spec.Template.Spec.Affinity
	if previous.Node != "" {
		affinity = withoutConstraint(affinity, previous)
	}
	annotations := maps.Clone(d.Spec.Template.Annotations)
	if annotations == nil {
		annotations = map[string]string{}
	}
	delete(annotations, RecordAnnotation)
	if want.Node != "" {
		affinity = withConstraint(affinity, want)
		annotations[RecordAnnotation] = want.encode()
	}
	return affinity, annotations
}

// templatePatch is a JSON patch (RFC 6902) that sets the template's affinity and annotations as
// whole values. Its first operation puts back the resourceVersion that was read: the API server
// then applies the patch only to that version and answers Conflict otherwise, so no rule that
// another writer added meanwhile is overwritten. Node selector terms are an atomic list, which
// no merge patch could edit one expression of.
func templatePatch(d *appsv1.Deployment, affinity *corev1.Affinity, annotations map[string]string) []byte {
	ops := []map[string]any{{"op": "replace", "path": "/metadata/resourceVersion", "value": d.ResourceVersion}}
	switch {
	case affinity != nil:
		ops = append(ops, map[string]any{"op": "add", "path": "/spec/template/spec/affinity", "value": affinity})
	case d.Spec.Template.Spec.Affinity != nil:
		ops = append(ops, map[string]any{"op": "remove", "path": "/spec/template/spec/affinity"})
	}
	switch {
	case len(annotations) > 0:
		ops = append(ops, map[string]any{"op": "add", "path": "/spec/template/metadata/annotations", "value": annotations})
	case len(d.Spec.Template.Annotations) > 0:
		ops = append(ops, map[string]any{"op": "remove", "path": "/spec/template/metadata/annotations"})
	}
	data, _ := json.Marshal(ops) // API types and strings: cannot fail
	return data
}

// waitForPlacement waits at most req.Timeout for the rollout, then reads where the ready pods
// run and checks that the constraint holds for every one of them (always true after a clear).
func waitForPlacement(ctx context.Context, c kubernetes.Interface, req migrateRequest, ref kube.Ref, want constraint) (*appsv1.Deployment, placement, error) {
	waitCtx, cancel := context.WithTimeout(ctx, req.Timeout)
	defer cancel()
	deployments := c.AppsV1().Deployments(req.Namespace)
	get := func(ctx context.Context) (*appsv1.Deployment, error) {
		d, err := deployments.Get(ctx, ref.Name, metav1.GetOptions{})
		if deadline, ok := ctx.Deadline(); err != nil && ok && time.Until(deadline) < rollout.Interval {
			// client-go's rate limiter refuses a request at the deadline with an error of its
			// own ("would exceed context deadline"), even before the context's timer has ended
			// the context. Waiting for the end reports it as what it is: the wait giving up.
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return d, err
	}
	d, err := rollout.Wait(waitCtx, ref, "the rollout of "+ref.String(), get, rollout.DeploymentProgress)
	switch {
	case err != nil && want.Node == "":
		return nil, nil, fmt.Errorf("%w; the constraint is removed from the template all the same", err)
	case err != nil:
		return nil, nil, fmt.Errorf("%w; the new constraint stays in place: look for Pending pods that no node accepts, "+
			"or run the action with clear: true to remove it", err)
	}
	pods, err := readyPods(ctx, c, d, ref)
	if err != nil {
		return nil, nil, err
	}
	if want.Node != "" {
		if bad := misplaced(pods, want); len(bad) > 0 {
			return nil, nil, fmt.Errorf("the rollout of %s is complete, but ready pods still run where %s does not allow: %s",
				ref, want, strings.Join(bad, ", "))
		}
	}
	return d, placementOf(pods), nil
}

func logChange(ctx context.Context, req migrateRequest, ref kube.Ref, res migrateResult) {
	summary := fmt.Sprintf("constraint %q -> %q; ready pods per node: %s", res.Previous, res.Current, res.PreviousPlacement)
	switch {
	case !res.Changed && req.Clear:
		action.Logf(ctx, "%s has no constraint recorded by kubernaut (annotation %s); nothing to clear", ref, RecordAnnotation)
	case !res.Changed:
		action.Logf(ctx, "%s already has the constraint %s; nothing to change", ref, res.Current)
	case req.DryRun:
		action.Logf(ctx, "dry run: %s would change (%s); nothing was changed", ref, summary)
	default:
		action.Logf(ctx, "changed %s (%s)", ref, summary)
	}
}
