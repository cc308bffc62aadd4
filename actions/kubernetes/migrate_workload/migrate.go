package main

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/actions/internal/deployments"
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
	edit := deployments.TemplateEdit[migrateResult]{
		Ref: ref, FieldManager: fieldManager, DryRun: req.DryRun, WaitForRollout: req.WaitForRollout,
		Plan: func(ctx context.Context, d *appsv1.Deployment) (migrateResult, deployments.Patch, error) {
			return planMigration(ctx, c, d, req, ref)
		},
		Report: func(ctx context.Context, res *migrateResult, d *appsv1.Deployment, changed bool) {
			if changed {
				res.Required = requiredOf(d.Spec.Template.Spec.Affinity)
			}
			logChange(ctx, req, ref, *res)
			res.Placement = res.PreviousPlacement
		},
		Wait: func(ctx context.Context, res *migrateResult) (*appsv1.Deployment, error) {
			d, placement, err := waitForPlacement(ctx, c, req, ref, res.Current)
			if err != nil {
				return nil, err
			}
			res.Placement = placement
			action.Logf(ctx, "%s: ready pods per node now %s (before: %s)", ref, res.Placement, res.PreviousPlacement)
			return d, nil
		},
	}
	res, d, err := edit.Run(ctx, c.AppsV1().Deployments(req.Namespace))
	if err != nil {
		return migrateResult{}, err
	}
	res.UpdatedReplicas, res.AvailableReplicas = d.Status.UpdatedReplicas, d.Status.AvailableReplicas
	return res, nil
}

// planMigration reads the Deployment's placement, works out the new affinity, checks a target
// node, and returns the patch of the template (none when the constraint is already in place).
func planMigration(ctx context.Context, c kubernetes.Interface, d *appsv1.Deployment, req migrateRequest, ref kube.Ref) (migrateResult, deployments.Patch, error) {
	previous, err := parseRecord(d.Spec.Template.Annotations)
	if err != nil {
		return migrateResult{}, deployments.Patch{}, fmt.Errorf("%s: %w", ref, err)
	}
	affinity, annotations := newTemplate(d, previous, req.Want)
	res := migrateResult{
		Previous: previous, Current: req.Want,
		PreviousRequired: requiredOf(d.Spec.Template.Spec.Affinity), Required: requiredOf(affinity),
		Changed: previous != req.Want || !apiequality.Semantic.DeepEqual(affinity, d.Spec.Template.Spec.Affinity),
	}
	if res.Changed && req.Want.Node != "" {
		if err := checkNode(ctx, c, req.Want, d, affinity); err != nil {
			return migrateResult{}, deployments.Patch{}, err
		}
	}
	pods, err := readyPods(ctx, c, d, ref)
	if err != nil {
		return migrateResult{}, deployments.Patch{}, err
	}
	res.PreviousPlacement = placementOf(pods)
	if !res.Changed {
		return res, deployments.Patch{}, nil
	}
	return res, templatePatch(d, affinity, annotations), nil
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

// templatePatch sets the template's affinity and annotations as whole values
// (deployments.TemplateEdit guards it with the resourceVersion read, so no rule that another
// writer added meanwhile is overwritten). Node selector terms are an atomic list, which no
// merge patch could edit one expression of.
func templatePatch(d *appsv1.Deployment, affinity *corev1.Affinity, annotations map[string]string) deployments.Patch {
	ops := deployments.SetOrRemove("/spec/template/spec/affinity", affinity, affinity != nil, d.Spec.Template.Spec.Affinity != nil)
	ops = append(ops, deployments.SetOrRemove("/spec/template/metadata/annotations", annotations,
		len(annotations) > 0, len(d.Spec.Template.Annotations) > 0)...)
	return deployments.Patch{Ops: ops}
}

// waitForPlacement waits at most req.Timeout for the rollout, then reads where the ready pods
// run and checks that the constraint holds for every one of them (always true after a clear).
func waitForPlacement(ctx context.Context, c kubernetes.Interface, req migrateRequest, ref kube.Ref, want constraint) (*appsv1.Deployment, placement, error) {
	waitCtx, cancel := context.WithTimeout(ctx, req.Timeout)
	defer cancel()
	d, err := rollout.WaitForDeployment(waitCtx, c.AppsV1().Deployments(req.Namespace), ref)
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
