package main

import (
	"context"
	"encoding/json"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/actions/internal/rollout"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// restartedAtAnnotation is the pod template annotation that `kubectl rollout restart` sets, as
// kubernetes/restart_deployment does: kubectl and GitOps tools recognise the restart.
const restartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"

// restartDependents restarts, with a rollout restart dated restartedAt, every Deployment of the
// namespace whose pod template references the Secret, and returns their names, sorted. Pods read
// a Secret's values through environment variables only when they start, and a mounted Secret
// is refreshed only after the kubelet's sync; a restart makes the new values take effect now.
// With WaitForRollout (and not in a dry run) it then waits for each rollout in turn; a paused
// Deployment is restarted (it rolls out on resume) but not waited for.
func restartDependents(ctx context.Context, c kubernetes.Interface, req rotateRequest, restartedAt string) ([]string, error) {
	deployments := c.AppsV1().Deployments(req.Namespace)
	listRef := kube.Ref{Kind: "deployments in namespace", Name: req.Namespace}
	var dependents []appsv1.Deployment
	opts := metav1.ListOptions{Limit: 500}
	for {
		list, err := deployments.List(ctx, opts)
		if err != nil {
			return nil, kube.APIError(err, "list", listRef)
		}
		for _, d := range list.Items {
			if referencesSecret(&d.Spec.Template.Spec, req.Secret) {
				dependents = append(dependents, d)
			}
		}
		if opts.Continue = list.Continue; opts.Continue == "" {
			break
		}
	}
	names := []string{}
	for _, d := range dependents {
		if err := restartDeployment(ctx, c, req, d.Name, restartedAt); err != nil {
			return nil, err
		}
		names = append(names, d.Name)
	}
	slices.Sort(names)
	if len(names) == 0 {
		action.Logf(ctx, "no deployment in namespace %s references %s; nothing to restart", req.Namespace, req.ref())
	}
	if req.DryRun || !req.WaitForRollout {
		return names, nil
	}
	for _, d := range dependents {
		ref := kube.Ref{Kind: "deployment", Namespace: req.Namespace, Name: d.Name}
		if d.Spec.Paused {
			action.Logf(ctx, "%s is paused: it rolls out with the new values when it is resumed; not waiting for it", ref)
			continue
		}
		if _, err := rollout.WaitForDeployment(ctx, deployments, ref); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// restartDeployment sets the pod template's restartedAt annotation with a strategic merge
// patch that touches nothing else, so the Deployment's own strategy paces the rollout.
func restartDeployment(ctx context.Context, c kubernetes.Interface, req rotateRequest, name, restartedAt string) error {
	ref := kube.Ref{Kind: "deployment", Namespace: req.Namespace, Name: name}
	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{
		"annotations": map[string]string{restartedAtAnnotation: restartedAt},
	}}}}) // strings only: cannot fail
	opts := metav1.PatchOptions{FieldManager: fieldManager}
	if req.DryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	if _, err := c.AppsV1().Deployments(req.Namespace).Patch(ctx, name, types.StrategicMergePatchType, patch, opts); err != nil {
		return kube.APIError(err, "restart", ref)
	}
	if req.DryRun {
		action.Logf(ctx, "dry run: %s would be restarted; nothing was changed", ref)
	} else {
		action.Logf(ctx, "restarted %s (restartedAt %s) so that it reads the new values", ref, restartedAt)
	}
	return nil
}

// referencesSecret reports whether a pod of spec reads the Secret named secret: through
// envFrom or env of any container (init containers included), or through a secret or projected
// volume. A reference to any key counts: restarting a pod that reads only other keys costs a
// rollout, while missing one that reads a rotated key leaves it with a stale credential.
func referencesSecret(spec *corev1.PodSpec, secret string) bool {
	for _, v := range spec.Volumes {
		if v.Secret != nil && v.Secret.SecretName == secret {
			return true
		}
		if v.Projected != nil {
			for _, src := range v.Projected.Sources {
				if src.Secret != nil && src.Secret.Name == secret {
					return true
				}
			}
		}
	}
	for _, ct := range slices.Concat(spec.InitContainers, spec.Containers) {
		for _, from := range ct.EnvFrom {
			if from.SecretRef != nil && from.SecretRef.Name == secret {
				return true
			}
		}
		for _, env := range ct.Env {
			if env.ValueFrom != nil && env.ValueFrom.SecretKeyRef != nil && env.ValueFrom.SecretKeyRef.Name == secret {
				return true
			}
		}
	}
	return false
}
