package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

const (
	// fieldManager names the action in managedFields.
	fieldManager = "kubernaut-update-network-policy"
	// quarantineIDLabel marks the deny-all policy of kubernetes/quarantine_pod. Such a policy
	// is released by deleting it, deliberately, not by a spec change in a remediation step.
	quarantineIDLabel = "kubernaut.ai/quarantine-id"
)

// policyRequest is one complete, checked request.
type policyRequest struct {
	Namespace, Name string
	Mode            string
	RawSpec         []byte                         // the input spec as JSON, nulls included
	Spec            networkingv1.NetworkPolicySpec // the same, typed, for a creation
	HasPodSelector  bool
	DryRun          bool
}

// policyResult says what the action found and did (would do, in a dry run).
type policyResult struct {
	Created              bool
	PreviousHash, Hash   string
	PreviousTypes, Types []string
}

// updatePolicy creates the policy when it does not exist, or patches its spec. A patch is sent
// as a dry run first: the API server's answer tells whether the spec would change once its
// defaults are applied, and an unchanged spec is not written, so a second run writes nothing
// (a real patch would still record the action in managedFields). The patch carries the
// resourceVersion read; a conflict, or a policy created by someone else between the read and
// the creation, is retried from a fresh read.
func updatePolicy(ctx context.Context, c kubernetes.Interface, req policyRequest) (policyResult, error) {
	ref := kube.Ref{Kind: "networkpolicy", Namespace: req.Namespace, Name: req.Name}
	var res policyResult
	verb := "get"
	err := retry.OnError(retry.DefaultRetry, retriable, func() error {
		verb = "get"
		existing, err := c.NetworkingV1().NetworkPolicies(req.Namespace).Get(ctx, req.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			verb = "create"
			res, err = createPolicy(ctx, c, req, ref)
			return err
		case err != nil:
			return err
		}
		verb = "patch"
		res, err = patchPolicy(ctx, c, req, ref, existing)
		return err
	})
	if refused := (*refusal)(nil); errors.As(err, &refused) {
		return policyResult{}, err
	}
	if err != nil {
		return policyResult{}, kube.APIError(err, verb, ref)
	}
	logChange(ctx, req, ref, res)
	return res, nil
}

func retriable(err error) bool { return apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) }

// refusal is a request the action will not carry out, with the reason.
type refusal struct{ msg string }

func (r *refusal) Error() string { return r.msg }

// createPolicy creates the policy with the input spec.
func createPolicy(ctx context.Context, c kubernetes.Interface, req policyRequest, ref kube.Ref) (policyResult, error) {
	if !req.HasPodSelector {
		return policyResult{}, &refusal{fmt.Sprintf("%s does not exist, and creating it needs spec.podSelector "+
			"(a missing one would select every pod of the namespace): give it, {} if every pod is meant", ref)}
	}
	policy := &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: req.Name, Namespace: req.Namespace,
			Labels: map[string]string{"app.kubernetes.io/managed-by": "kubernaut"}},
		Spec: req.Spec,
	}
	opts := metav1.CreateOptions{FieldManager: fieldManager, FieldValidation: metav1.FieldValidationStrict}
	if req.DryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	created, err := c.NetworkingV1().NetworkPolicies(req.Namespace).Create(ctx, policy, opts)
	if err != nil {
		return policyResult{}, err
	}
	return policyResult{Created: true, PreviousHash: "", PreviousTypes: []string{},
		Hash: specHash(created.Spec), Types: policyTypes(created.Spec)}, nil
}

// patchPolicy changes the spec of existing as the request's mode says: a JSON patch that
// replaces /spec whole, or a JSON merge patch. Both also set metadata.resourceVersion to the
// one read, which the API server checks as a precondition.
func patchPolicy(ctx context.Context, c kubernetes.Interface, req policyRequest, ref kube.Ref, existing *networkingv1.NetworkPolicy) (policyResult, error) {
	if _, ok := existing.Labels[quarantineIDLabel]; ok {
		return policyResult{}, &refusal{fmt.Sprintf("%s isolates a quarantined pod (label %s); this action does not "+
			"change quarantine policies: delete it to release the pod", ref, quarantineIDLabel)}
	}
	res := policyResult{PreviousHash: specHash(existing.Spec), PreviousTypes: policyTypes(existing.Spec)}
	patchType, patch := types.MergePatchType, mergePatch(existing.ResourceVersion, req.RawSpec)
	if req.Mode == modeReplace {
		patchType, patch = types.JSONPatchType, replacePatch(existing.ResourceVersion, req.RawSpec)
	}
	policies := c.NetworkingV1().NetworkPolicies(req.Namespace)
	opts := metav1.PatchOptions{FieldManager: fieldManager, FieldValidation: metav1.FieldValidationStrict, DryRun: []string{metav1.DryRunAll}}
	would, err := policies.Patch(ctx, req.Name, patchType, patch, opts)
	if err != nil {
		return policyResult{}, err
	}
	res.Hash, res.Types = specHash(would.Spec), policyTypes(would.Spec)
	if req.DryRun || res.Hash == res.PreviousHash {
		return res, nil
	}
	opts.DryRun = nil
	patched, err := policies.Patch(ctx, req.Name, patchType, patch, opts)
	if err != nil {
		return policyResult{}, err
	}
	res.Hash, res.Types = specHash(patched.Spec), policyTypes(patched.Spec)
	return res, nil
}

// replacePatch is the RFC 6902 patch that sets the resourceVersion precondition and replaces
// the spec whole.
func replacePatch(resourceVersion string, spec json.RawMessage) []byte {
	patch, _ := json.Marshal([]map[string]any{ // a string and valid JSON: cannot fail
		{"op": "replace", "path": "/metadata/resourceVersion", "value": resourceVersion},
		{"op": "replace", "path": "/spec", "value": spec},
	})
	return patch
}

// mergePatch is the RFC 7386 patch that sets the resourceVersion precondition and merges spec.
func mergePatch(resourceVersion string, spec json.RawMessage) []byte {
	patch, _ := json.Marshal(map[string]any{ // a string and valid JSON: cannot fail
		"metadata": map[string]any{"resourceVersion": resourceVersion},
		"spec":     spec,
	})
	return patch
}

// specHash is "sha256:" and the hex SHA-256 of the spec's JSON encoding. The encoding of a Go
// struct is deterministic (fields in declaration order, map keys sorted), so equal specs, as the
// API server returns them with its defaults, hash equally.
func specHash(spec networkingv1.NetworkPolicySpec) string {
	data, _ := json.Marshal(spec) // a typed API struct: cannot fail
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// policyTypes returns spec.policyTypes as strings, never nil (an output is an array, not null).
func policyTypes(spec networkingv1.NetworkPolicySpec) []string {
	out := []string{}
	for _, t := range spec.PolicyTypes {
		out = append(out, string(t))
	}
	return out
}

func logChange(ctx context.Context, req policyRequest, ref kube.Ref, res policyResult) {
	switch {
	case res.Created && req.DryRun:
		action.Logf(ctx, "dry run: %s would be created with policy types %v; nothing was changed", ref, res.Types)
	case res.Created:
		action.Logf(ctx, "created %s with policy types %v (spec %s)", ref, res.Types, res.Hash)
	case res.Hash == res.PreviousHash:
		action.Logf(ctx, "%s already has the requested spec; nothing to change", ref)
	case req.DryRun:
		action.Logf(ctx, "dry run: the spec of %s would change (%s) from %s to %s; nothing was changed", ref, req.Mode, res.PreviousHash, res.Hash)
	default:
		action.Logf(ctx, "changed the spec of %s (%s) from %s to %s, policy types %v", ref, req.Mode, res.PreviousHash, res.Hash, res.Types)
	}
}
