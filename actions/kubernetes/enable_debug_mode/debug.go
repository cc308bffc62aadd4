package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/actions/internal/deployments"
	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

const (
	// fieldManager names the action in managedFields.
	fieldManager = "kubernaut-enable-debug-mode"
	// DefaultContainerAnnotation picks the container when the input "container" is not given.
	DefaultContainerAnnotation = deployments.DefaultContainerAnnotation
	// RevisionAnnotation is where the Deployment controller numbers the Deployment's revisions.
	RevisionAnnotation = "deployment.kubernetes.io/revision"
)

// debugRequest is one complete, checked request.
type debugRequest struct {
	Namespace      string
	Deployment     string
	Container      string            // "" for the default (enable) or the recorded one (disable)
	Env            map[string]string // the variables to set; unused by disable
	Disable        bool
	DryRun         bool
	WaitForRollout bool
}

// debugResult says what the action found and did.
type debugResult struct {
	Container                          string
	Names                              []string // the variables concerned, sorted
	Before, After                      []corev1.EnvVar
	Enabled, Changed                   bool
	PreviousRevision, Revision         int64
	UpdatedReplicas, AvailableReplicas int32
}

// switchDebugMode applies the request, then waits for the rollout when asked.
func switchDebugMode(ctx context.Context, c kubernetes.Interface, req debugRequest) (debugResult, error) {
	ref := kube.Ref{Kind: "deployment", Namespace: req.Namespace, Name: req.Deployment}
	edit := deployments.TemplateEdit[plan]{
		Ref: ref, FieldManager: fieldManager, DryRun: req.DryRun, WaitForRollout: req.WaitForRollout,
		Plan: func(_ context.Context, d *appsv1.Deployment) (plan, deployments.Patch, error) {
			p, err := planChange(d, req, ref)
			if err != nil || !p.result.Changed {
				return p, deployments.Patch{}, err
			}
			return p, templatePatch(d, p), nil
		},
		Report: func(ctx context.Context, p *plan, d *appsv1.Deployment, changed bool) {
			if changed {
				p.result.After = d.Spec.Template.Spec.Containers[p.index].Env
			}
			logChange(ctx, req, ref, p.result)
		},
	}
	p, d, err := edit.Run(ctx, c.AppsV1().Deployments(req.Namespace))
	if err != nil {
		return debugResult{}, err
	}
	res := p.result
	res.Revision = revisionOf(d)
	res.UpdatedReplicas, res.AvailableReplicas = d.Status.UpdatedReplicas, d.Status.AvailableReplicas
	return res, nil
}

// plan is the change worked out from one read of the Deployment.
type plan struct {
	index       int               // of the container
	env         []corev1.EnvVar   // its new variables
	annotations map[string]string // the template's new annotations
	result      debugResult
}

// planChange works out the container's new variables and the template's new annotations.
func planChange(d *appsv1.Deployment, req debugRequest, ref kube.Ref) (plan, error) {
	rec, recorded, err := parseRecord(d.Spec.Template.Annotations)
	if err != nil {
		return plan{}, fmt.Errorf("%s: %w", ref, err)
	}
	name := req.Container
	if recorded && (req.Disable || name == "") {
		name = rec.Container
	}
	if recorded && name != rec.Container {
		return plan{}, fmt.Errorf("%s has debug mode enabled on container %s, not %s; disable it first", ref, rec.Container, name)
	}
	index, err := deployments.PickContainer(d, name, ref)
	if err != nil {
		return plan{}, err
	}
	container := d.Spec.Template.Spec.Containers[index]
	p := plan{index: index, annotations: maps.Clone(d.Spec.Template.Annotations)}
	if p.annotations == nil {
		p.annotations = map[string]string{}
	}
	switch {
	case req.Disable && !recorded:
		p.env = container.Env // nothing to restore
	case req.Disable:
		p.env, err = disableEnv(container.Env, rec)
		delete(p.annotations, RecordAnnotation)
	default:
		if !recorded {
			rec = record{Container: container.Name}
		}
		var next record
		p.env, next, err = enableEnv(container.Env, req.Env, rec)
		p.annotations[RecordAnnotation] = next.encode()
		rec = next
	}
	if err != nil {
		return plan{}, fmt.Errorf("%s: %w", ref, err)
	}
	envChanged := !apiequality.Semantic.DeepEqual(normalizeEnv(p.env), normalizeEnv(container.Env))
	p.result = debugResult{
		Container: container.Name,
		Names:     concerned(req, rec),
		Before:    container.Env,
		After:     p.env,
		Enabled:   !req.Disable && (recorded || envChanged),
		// Enabling values the container already has writes nothing: no record, no rollout.
		Changed:          envChanged || (req.Disable && recorded),
		PreviousRevision: revisionOf(d),
	}
	return p, nil
}

// concerned lists the variables an output reports: those enabled, or those the record restores.
func concerned(req debugRequest, rec record) []string {
	names := slices.Collect(maps.Keys(rec.Env))
	if !req.Disable {
		names = append(names, slices.Collect(maps.Keys(req.Env))...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// normalizeEnv treats a nil and an empty list alike: the API server stores neither.
func normalizeEnv(env []corev1.EnvVar) []corev1.EnvVar {
	if len(env) == 0 {
		return nil
	}
	return env
}

// templatePatch sets the container's variables and the template's annotations as whole values
// (deployments.TemplateEdit guards it with the resourceVersion read). Whole values rather than a
// strategic merge: replacing a secretKeyRef by a literal value (or back) needs valueFrom
// removed, which a merge of the entry would keep.
func templatePatch(d *appsv1.Deployment, p plan) deployments.Patch {
	envPath := "/spec/template/spec/containers/" + strconv.Itoa(p.index) + "/env"
	ops := deployments.SetOrRemove(envPath, p.env, len(p.env) > 0, len(d.Spec.Template.Spec.Containers[p.index].Env) > 0)
	ops = append(ops, deployments.SetOrRemove("/spec/template/metadata/annotations", p.annotations,
		len(p.annotations) > 0, len(d.Spec.Template.Annotations) > 0)...)
	return deployments.Patch{Ops: ops}
}

// revisionOf returns the Deployment's revision, 0 before the controller has numbered it.
func revisionOf(d *appsv1.Deployment) int64 {
	rev, err := strconv.ParseInt(d.Annotations[RevisionAnnotation], 10, 64)
	if err != nil {
		return 0
	}
	return rev
}

func logChange(ctx context.Context, req debugRequest, ref kube.Ref, res debugResult) {
	summary := fmt.Sprintf("container %s: %v -> %v", res.Container, describeEnv(res.Before, res.Names), describeEnv(res.After, res.Names))
	switch {
	case !res.Changed && req.Disable:
		action.Logf(ctx, "%s has no debug mode recorded by kubernaut (annotation %s); nothing to restore", ref, RecordAnnotation)
	case !res.Changed:
		action.Logf(ctx, "%s already has the requested variables (%s); nothing to change", ref, summary)
	case req.DryRun:
		action.Logf(ctx, "dry run: %s would change (%s); nothing was changed", ref, summary)
	default:
		action.Logf(ctx, "changed %s (%s)", ref, summary)
	}
}
