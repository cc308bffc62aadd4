package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
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
const fieldManager = "kubernaut-patch-configmap"

// patchRequest is one complete, checked request.
type patchRequest struct {
	Namespace string
	ConfigMap string
	Set       map[string]string
	Remove    []string // sorted
	DryRun    bool
}

// patchResult lists the keys of data that changed (would change, in a dry run), each sorted.
// The values are not reported: a ConfigMap may hold large or sensitive-ish configuration, and
// outputs end up in the workflow's status.
type patchResult struct {
	Added, Updated, Removed []string
}

func (r patchResult) changed() bool { return len(r.Added)+len(r.Updated)+len(r.Removed) > 0 }

// patchConfigMap reads the ConfigMap, works out which keys the request changes, and sends only
// those as a JSON merge patch (RFC 7386: a key with null is deleted, keys not named are kept).
// The patch carries the resourceVersion read, which the API server checks as a precondition,
// so the computed change is exactly what gets applied; a conflict is retried with a fresh read.
func patchConfigMap(ctx context.Context, c kubernetes.Interface, req patchRequest) (patchResult, error) {
	ref := kube.Ref{Kind: "configmap", Namespace: req.Namespace, Name: req.ConfigMap}
	configMaps := c.CoreV1().ConfigMaps(req.Namespace)
	var res patchResult
	verb := "get"
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		verb = "get"
		cm, err := configMaps.Get(ctx, req.ConfigMap, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if err := refuseUntouchable(cm, req, ref); err != nil {
			return err
		}
		var patch []byte
		res, patch = diff(cm, req)
		if !res.changed() {
			return nil
		}
		opts := metav1.PatchOptions{FieldManager: fieldManager}
		if req.DryRun {
			opts.DryRun = []string{metav1.DryRunAll}
		}
		verb = "patch"
		_, err = configMaps.Patch(ctx, req.ConfigMap, types.MergePatchType, patch, opts)
		return err
	})
	if refused := (*refusal)(nil); errors.As(err, &refused) {
		return patchResult{}, err
	}
	if err != nil {
		return patchResult{}, kube.APIError(err, verb, ref)
	}
	logChange(ctx, req, ref, res)
	return res, nil
}

// refusal is a ConfigMap the action will not change, with the reason.
type refusal struct{ msg string }

func (r *refusal) Error() string { return r.msg }

// refuseUntouchable refuses an immutable ConfigMap (the API server would refuse any change to
// its data) and a request that names a key of binaryData: those hold bytes that a workflow's
// string inputs cannot carry faithfully, so the action leaves them alone.
func refuseUntouchable(cm *corev1.ConfigMap, req patchRequest, ref kube.Ref) error {
	if ptr.Deref(cm.Immutable, false) {
		return &refusal{fmt.Sprintf("%s is immutable (immutable: true): its data cannot be changed; "+
			"create a new ConfigMap and point the workload at it", ref)}
	}
	var binary []string
	for key := range req.Set {
		if _, ok := cm.BinaryData[key]; ok {
			binary = append(binary, key)
		}
	}
	for _, key := range req.Remove {
		if _, ok := cm.BinaryData[key]; ok {
			binary = append(binary, key)
		}
	}
	if len(binary) > 0 {
		sort.Strings(binary)
		return &refusal{fmt.Sprintf("%s has the keys %s in binaryData, which this action does not change",
			ref, strings.Join(binary, ", "))}
	}
	return nil
}

// diff returns the keys the request changes in cm and the merge patch that changes exactly
// those, with cm's resourceVersion as the precondition.
func diff(cm *corev1.ConfigMap, req patchRequest) (patchResult, []byte) {
	// Empty lists, not nil: the outputs are arrays, and null is no array.
	res := patchResult{Added: []string{}, Updated: []string{}, Removed: []string{}}
	data := map[string]*string{}
	for key, value := range req.Set {
		old, present := cm.Data[key]
		switch {
		case !present:
			res.Added = append(res.Added, key)
		case old != value:
			res.Updated = append(res.Updated, key)
		default:
			continue
		}
		data[key] = ptr.To(value)
	}
	for _, key := range req.Remove {
		if _, present := cm.Data[key]; present {
			res.Removed = append(res.Removed, key)
			data[key] = nil
		}
	}
	sort.Strings(res.Added)
	sort.Strings(res.Updated)
	patch, _ := json.Marshal(map[string]any{ // strings and nulls only: cannot fail
		"metadata": map[string]any{"resourceVersion": cm.ResourceVersion},
		"data":     data,
	})
	return res, patch
}

func logChange(ctx context.Context, req patchRequest, ref kube.Ref, res patchResult) {
	summary := fmt.Sprintf("added %v, updated %v, removed %v", res.Added, res.Updated, res.Removed)
	switch {
	case !res.changed():
		action.Logf(ctx, "%s already has the requested data; nothing to change", ref)
	case req.DryRun:
		action.Logf(ctx, "dry run: %s would be patched (%s); nothing was changed", ref, summary)
	default:
		action.Logf(ctx, "patched %s: %s", ref, summary)
	}
}
