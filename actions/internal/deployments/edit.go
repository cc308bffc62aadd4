// Package deployments is how the built-in actions change a Deployment's pod template
// (increase_resources, rollback_deployment, migrate_workload, enable_debug_mode): read the
// Deployment, work out the change, patch it guarded by the resourceVersion read, retry from a
// fresh read on a conflict, and wait for the rollout that the change starts.
//
// The guard matters because the change is computed from what was read (a factor applied to the
// current resources, a template chosen from the revisions, an affinity edited by hand): written
// over a Deployment that changed meanwhile, it would undo someone else's change.
package deployments

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	typedappsv1 "k8s.io/client-go/kubernetes/typed/apps/v1"
	"k8s.io/client-go/util/retry"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/actions/internal/rollout"
)

// TemplateEdit is one change of the pod template of the Deployment that Ref names. R is what
// the action reports about the change: Plan works it out, Report and Wait complete it, and Run
// returns it.
type TemplateEdit[R any] struct {
	// Ref names the Deployment, in messages too.
	Ref kube.Ref
	// FieldManager names the action in managedFields.
	FieldManager string
	// DryRun sends the patch with dryRun=All: admission runs, nothing is persisted, and
	// nothing is waited for.
	DryRun bool
	// WaitForRollout waits, after a change, until its rollout is complete.
	WaitForRollout bool
	// PausedResult says what a paused Deployment would do with the change, for the error that
	// refuses to edit it: "the change would not roll out" when empty.
	PausedResult string
	// Plan works out the result and the patch from one read of the Deployment; an empty Patch
	// means the Deployment already is as wanted. After a conflict it runs again on a fresh
	// read, and only the last result counts. Its errors are returned as they are.
	Plan func(ctx context.Context, d *appsv1.Deployment) (R, Patch, error)
	// Report, when set, is called once the edit is made and before the wait: changed says
	// whether the template changed (would change, in a dry run), and d is the Deployment as the
	// patch left it, or as read when nothing changed. Actions complete the result from it and
	// log the change.
	Report func(ctx context.Context, res *R, d *appsv1.Deployment, changed bool)
	// Wait, when set, replaces rollout.WaitForDeployment as the wait for the rollout, for an
	// action that checks more than the rollout (where the new pods run) or bounds it otherwise.
	Wait func(ctx context.Context, res *R) (*appsv1.Deployment, error)
}

// Run makes the edit and returns the result and the Deployment as it was last read: after the
// rollout when it was waited for. A conflict is retried from a fresh read (retry.DefaultRetry)
// and, when the retries run out, is an error naming the Deployment. A paused Deployment is
// refused before Plan runs: the change would not roll out until someone resumes it, and the
// wait would only run into the step's deadline.
func (e TemplateEdit[R]) Run(ctx context.Context, deployments typedappsv1.DeploymentInterface) (R, *appsv1.Deployment, error) {
	var res, zero R
	var d *appsv1.Deployment
	var changed bool
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var err error
		res, d, changed, err = e.once(ctx, deployments)
		return err
	})
	if apierrors.IsConflict(err) {
		return zero, nil, kube.APIError(err, "patch", e.Ref)
	}
	if err != nil {
		return zero, nil, err
	}
	if e.Report != nil {
		e.Report(ctx, &res, d, changed)
	}
	if !changed || e.DryRun || !e.WaitForRollout {
		return res, d, nil
	}
	if e.Wait != nil {
		d, err = e.Wait(ctx, &res)
	} else {
		d, err = rollout.WaitForDeployment(ctx, deployments, e.Ref)
	}
	if err != nil {
		return zero, nil, err
	}
	return res, d, nil
}

// once reads the Deployment, plans and patches once. A conflict is returned as the API
// server's error, for RetryOnConflict; every other error is already explained.
func (e TemplateEdit[R]) once(ctx context.Context, deployments typedappsv1.DeploymentInterface) (R, *appsv1.Deployment, bool, error) {
	var zero R
	d, err := deployments.Get(ctx, e.Ref.Name, metav1.GetOptions{})
	if err != nil {
		return zero, nil, false, kube.APIError(err, "get", e.Ref)
	}
	if d.Spec.Paused {
		result := e.PausedResult
		if result == "" {
			result = "the change would not roll out"
		}
		return zero, nil, false, fmt.Errorf("%s is paused: %s until it is resumed; "+
			"resume it first (kubectl rollout resume deployment/%s)", e.Ref, result, e.Ref.Name)
	}
	res, patch, err := e.Plan(ctx, d)
	if err != nil {
		return zero, nil, false, err
	}
	if patch.empty() {
		return res, d, false, nil
	}
	patchType, data, err := patch.encode(d.ResourceVersion)
	if err != nil {
		return zero, nil, false, fmt.Errorf("encoding the patch of %s: %w", e.Ref, err)
	}
	opts := metav1.PatchOptions{FieldManager: e.FieldManager}
	if e.DryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	patched, err := deployments.Patch(ctx, e.Ref.Name, patchType, data, opts)
	if apierrors.IsConflict(err) {
		return zero, nil, false, err
	}
	if err != nil {
		return zero, nil, false, kube.APIError(err, "patch", e.Ref)
	}
	return res, patched, true, nil
}
