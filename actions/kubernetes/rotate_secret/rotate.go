package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// fieldManager names the action in managedFields.
const fieldManager = "kubernaut-rotate-secret"

// rotateRequest is one complete, checked request.
type rotateRequest struct {
	Namespace         string
	Secret            string
	Keys              []string // sorted, unique
	Length            int
	Chars             string // the alphabet's characters
	RestartDependents bool
	WaitForRollout    bool
	DryRun            bool
}

func (r rotateRequest) ref() kube.Ref {
	return kube.Ref{Kind: "secret", Namespace: r.Namespace, Name: r.Secret}
}

// rotateResult says what the rotation did. It holds no value, old or new, on purpose: nothing
// that leaves rotateSecret can leak one.
type rotateResult struct {
	Rotated                                  []string
	PreviousResourceVersion, ResourceVersion string
}

// unrotatableTypes are the built-in Secret types whose values have a structure (a certificate,
// a key, a docker config, a token the token controller manages) that a random string breaks.
// The API server would accept some of them and leave a broken Secret behind.
var unrotatableTypes = map[corev1.SecretType]string{
	corev1.SecretTypeServiceAccountToken: "its token is issued and managed by the token controller",
	corev1.SecretTypeDockercfg:           "its value is a docker configuration, not a password",
	corev1.SecretTypeDockerConfigJson:    "its value is a docker configuration, not a password",
	corev1.SecretTypeTLS:                 "its values are a certificate and its private key; renew it with its issuer (cert-manager)",
	corev1.SecretTypeSSHAuth:             "its value is an SSH private key",
	corev1.SecretTypeBootstrapToken:      "its values have the fixed format of bootstrap tokens",
}

// rotateSecret reads the Secret, checks that every key exists and may be rotated, and patches
// the keys with new values in one JSON merge patch (other keys stay as they are). The patch
// carries the resourceVersion read, so a concurrent change is never overwritten unseen; a
// conflict is retried from a fresh read with fresh values.
func rotateSecret(ctx context.Context, c kubernetes.Interface, req rotateRequest, random io.Reader) (rotateResult, error) {
	ref := req.ref()
	secrets := c.CoreV1().Secrets(req.Namespace)
	var res rotateResult
	verb := "get"
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		verb = "get"
		s, err := secrets.Get(ctx, req.Secret, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if err := refuseUnrotatable(s, req.Keys, ref); err != nil {
			return err
		}
		patch, err := rotationPatch(s.ResourceVersion, req, random)
		if err != nil {
			return err
		}
		opts := metav1.PatchOptions{FieldManager: fieldManager}
		if req.DryRun {
			opts.DryRun = []string{metav1.DryRunAll}
		}
		verb = "patch"
		patched, err := secrets.Patch(ctx, req.Secret, types.MergePatchType, patch, opts)
		if err != nil {
			return err
		}
		res = rotateResult{Rotated: req.Keys, PreviousResourceVersion: s.ResourceVersion, ResourceVersion: patched.ResourceVersion}
		return nil
	})
	if refused := (*refusal)(nil); errors.As(err, &refused) {
		return rotateResult{}, err
	}
	if err != nil {
		return rotateResult{}, kube.APIError(err, verb, ref)
	}
	if req.DryRun {
		action.Logf(ctx, "dry run: the keys %v of %s would get new %d-character values; nothing was changed", res.Rotated, ref, req.Length)
	} else {
		action.Logf(ctx, "rotated the keys %v of %s (resourceVersion %s -> %s)", res.Rotated, ref, res.PreviousResourceVersion, res.ResourceVersion)
	}
	return res, nil
}

// refusal is a Secret or key that the action will not rotate, with the reason.
type refusal struct{ msg string }

func (r *refusal) Error() string { return r.msg }

// refuseUnrotatable refuses an immutable Secret, a type whose values a random string breaks,
// and keys the Secret does not have: rotating a misspelt key would add a useless one and leave
// the real credential as it was. The message names the keys present, never a value.
func refuseUnrotatable(s *corev1.Secret, keys []string, ref kube.Ref) error {
	if ptr.Deref(s.Immutable, false) {
		return &refusal{fmt.Sprintf("%s is immutable (immutable: true): its data cannot be changed; "+
			"create a new Secret and point the workload at it", ref)}
	}
	if why, ok := unrotatableTypes[s.Type]; ok {
		return &refusal{fmt.Sprintf("%s has type %s, which this action does not rotate: %s", ref, s.Type, why)}
	}
	var missing []string
	for _, key := range keys {
		if _, ok := s.Data[key]; !ok {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		return &refusal{fmt.Sprintf("%s has no key %s; its keys are %s", ref,
			strings.Join(missing, ", "), strings.Join(slices.Sorted(maps.Keys(s.Data)), ", "))}
	}
	return nil
}

// rotationPatch is the merge patch that gives each key of req a new value, with resourceVersion
// as the precondition. json.Marshal encodes []byte as base64, which is what data holds.
func rotationPatch(resourceVersion string, req rotateRequest, random io.Reader) ([]byte, error) {
	data := make(map[string][]byte, len(req.Keys))
	for _, key := range req.Keys {
		value, err := generate(random, req.Chars, req.Length)
		if err != nil {
			return nil, err
		}
		data[key] = value
	}
	return json.Marshal(map[string]any{
		"metadata": map[string]any{"resourceVersion": resourceVersion},
		"data":     data,
	})
}
