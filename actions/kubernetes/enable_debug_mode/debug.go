package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

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

const (
	// fieldManager names the action in managedFields.
	fieldManager = "kubernaut-enable-debug-mode"
	// DefaultContainerAnnotation names a Pod's default container for kubectl; the action honours
	// it on the pod template when the input "container" is not given, as increase_resources does.
	DefaultContainerAnnotation = "kubectl.kubernetes.io/default-container"
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
	var res debugResult
	var d *appsv1.Deployment
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var err error
		d, res, err = switchOnce(ctx, c, req, ref)
		return err
	})
	if apierrors.IsConflict(err) {
		return debugResult{}, kube.APIError(err, "patch", ref)
	}
	if err != nil {
		return debugResult{}, err
	}
	logChange(ctx, req, ref, res)
	if res.Changed && !req.DryRun && req.WaitForRollout {
		if d, err = rollout.WaitForDeployment(ctx, c.AppsV1().Deployments(req.Namespace), ref); err != nil {
			return debugResult{}, err
		}
	}
	res.Revision = revisionOf(d)
	res.UpdatedReplicas, res.AvailableReplicas = d.Status.UpdatedReplicas, d.Status.AvailableReplicas
	return res, nil
}

// switchOnce reads the Deployment, computes the container's new variables and record, and
// patches them once (see templatePatch). A conflict is returned as it is, for RetryOnConflict.
func switchOnce(ctx context.Context, c kubernetes.Interface, req debugRequest, ref kube.Ref) (*appsv1.Deployment, debugResult, error) {
	deployments := c.AppsV1().Deployments(req.Namespace)
	d, err := deployments.Get(ctx, req.Deployment, metav1.GetOptions{})
	if err != nil {
		return nil, debugResult{}, kube.APIError(err, "get", ref)
	}
	if d.Spec.Paused {
		return nil, debugResult{}, fmt.Errorf("%s is paused: the change would not roll out until it is resumed; "+
			"resume it first (kubectl rollout resume deployment/%s)", ref, req.Deployment)
	}
	plan, err := planChange(d, req, ref)
	if err != nil {
		return nil, debugResult{}, err
	}
	res := plan.result
	res.PreviousRevision = revisionOf(d)
	if !res.Changed {
		return d, res, nil
	}
	opts := metav1.PatchOptions{FieldManager: fieldManager}
	if req.DryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	patched, err := deployments.Patch(ctx, req.Deployment, types.JSONPatchType, templatePatch(d, plan), opts)
	if apierrors.IsConflict(err) {
		return nil, debugResult{}, err
	}
	if err != nil {
		return nil, debugResult{}, kube.APIError(err, "patch", ref)
	}
	res.After = patched.Spec.Template.Spec.Containers[plan.index].Env
	return patched, res, nil
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
	index, err := pickContainer(d, name, ref)
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
		Changed: envChanged || (req.Disable && recorded),
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

// templatePatch is a JSON patch (RFC 6902) that sets the container's variables and the
// template's annotations as whole values. Its first operation puts back the resourceVersion
// that was read: the API server then applies the patch only to that version and answers
// Conflict otherwise, so nothing another writer changed meanwhile is overwritten. Whole values
// rather than a strategic merge: replacing a secretKeyRef by a literal value (or back) needs
// valueFrom removed, which a merge of the entry would keep.
func templatePatch(d *appsv1.Deployment, p plan) []byte {
	ops := []map[string]any{{"op": "replace", "path": "/metadata/resourceVersion", "value": d.ResourceVersion}}
	envPath := "/spec/template/spec/containers/" + strconv.Itoa(p.index) + "/env"
	switch {
	case len(p.env) > 0:
		ops = append(ops, map[string]any{"op": "add", "path": envPath, "value": p.env})
	case len(d.Spec.Template.Spec.Containers[p.index].Env) > 0:
		ops = append(ops, map[string]any{"op": "remove", "path": envPath})
	}
	switch {
	case len(p.annotations) > 0:
		ops = append(ops, map[string]any{"op": "add", "path": "/spec/template/metadata/annotations", "value": p.annotations})
	case len(d.Spec.Template.Annotations) > 0:
		ops = append(ops, map[string]any{"op": "remove", "path": "/spec/template/metadata/annotations"})
	}
	data, _ := json.Marshal(ops) // strings, maps and EnvVars only: cannot fail
	return data
}

// pickContainer returns the index of the named container, or without a name of the default
// one: the one named by the template's kubectl.kubernetes.io/default-container annotation,
// else the first.
func pickContainer(d *appsv1.Deployment, name string, ref kube.Ref) (int, error) {
	what := "input \"container\""
	if name == "" {
		name, what = d.Spec.Template.Annotations[DefaultContainerAnnotation], "the annotation "+DefaultContainerAnnotation
		if name == "" {
			return 0, nil // the API server requires at least one container
		}
	}
	names := make([]string, len(d.Spec.Template.Spec.Containers))
	for i, c := range d.Spec.Template.Spec.Containers {
		if c.Name == name {
			return i, nil
		}
		names[i] = c.Name
	}
	return 0, fmt.Errorf("%s has no container %q (named by %s); its containers are %s",
		ref, name, what, strings.Join(names, ", "))
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
