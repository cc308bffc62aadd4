package tekton

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ErrAdmission: Tekton's admission webhook did not answer as it should in time.
var ErrAdmission = errors.New("tekton's admission webhook does not work")

// validationWebhook is the name under which Tekton's webhook validates its resources; the
// API server quotes it in every denial.
const validationWebhook = "validation.webhook.pipeline.tekton.dev"

// probeNamespace is where the dry-run Tasks are "created"; dry-run persists nothing.
const probeNamespace = "default"

// probeTask is a Task as Kubernaut's steps look: a static image and an explicit command, which
// Tekton needs to avoid reading the image's config from the registry (its pod cannot reach
// 127.0.0.1). When broken, its step has no image: the CRD schema lets that through, and only
// Tekton's validating webhook refuses it.
func probeTask(broken bool) *unstructured.Unstructured {
	step := map[string]any{"name": "probe", "image": "127.0.0.1:5000/kubernaut/probe:1", "command": []any{"/action-entrypoint"}}
	name := "kubernaut-admission-probe"
	if broken {
		delete(step, "image")
		name += "-broken"
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "tekton.dev/v1",
		"kind":       "Task",
		"metadata":   map[string]any{"name": name, "namespace": probeNamespace},
		"spec":       map[string]any{"steps": []any{step}},
	}}
}

// checkAdmission proves that the API server reaches Tekton's webhook through its Service, with
// the certificate the webhook injected: a valid Task passes a server-side dry-run create, and
// an invalid one is denied by the webhook itself. It retries until timeout, because the webhook
// injects its CA bundle into the webhook configurations shortly after it becomes ready.
func (c *clients) checkAdmission(ctx context.Context, timeout time.Duration) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		last = c.admissionOnce(ctx)
		return last == nil, nil
	})
	if err != nil {
		if last == nil {
			last = err
		}
		return fmt.Errorf("%w after %s: %w", ErrAdmission, timeout, last)
	}
	return nil
}

func (c *clients) admissionOnce(ctx context.Context) error {
	if err := c.Objects.Create(ctx, probeTask(false), client.DryRunAll, client.FieldOwner(FieldManager)); err != nil {
		return fmt.Errorf("dry-run create of a valid Task: %w", err)
	}
	err := c.Objects.Create(ctx, probeTask(true), client.DryRunAll, client.FieldOwner(FieldManager))
	switch {
	case err == nil:
		return errors.New("dry-run create of a Task whose step has no image was accepted: the webhook did not validate it")
	case !strings.Contains(err.Error(), validationWebhook) || strings.Contains(err.Error(), "failed calling webhook"):
		return fmt.Errorf("dry-run create of an invalid Task was not denied by %s: %w", validationWebhook, err)
	}
	return nil
}
