package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
	"github.com/kubernaut/kubernaut/sdk/action"
)

const (
	// PreviousSpecAnnotation records, as JSON, the budget's spec before its first relaxation.
	PreviousSpecAnnotation = "kubernaut.ai/previous-spec"
	// fieldManager names the action in managedFields.
	fieldManager = "kubernaut-relax-pdb"

	fieldMaxUnavailable = "maxUnavailable"
	fieldMinAvailable   = "minAvailable"
)

// budgetField is the one field a relaxation sets.
type budgetField struct {
	Name  string // fieldMaxUnavailable or fieldMinAvailable
	Input string // as given
	Value intstr.IntOrString
}

// budgetRequest is one complete, checked request.
type budgetRequest struct {
	Namespace, PDB string
	Restore        bool
	Value          budgetField // for a relaxation
	DryRun         bool
}

// budget is a PodDisruptionBudget's two fields as the outputs show them: "" when unset.
type budget struct{ MinAvailable, MaxUnavailable string }

// budgetResult says what the action found and did (would do, in a dry run).
type budgetResult struct {
	Before, After      budget
	DisruptionsAllowed int32
	Recorded, Changed  bool
}

// changeBudget relaxes or restores the budget with a JSON merge patch that carries the
// resourceVersion read, so a concurrent change is never overwritten unseen; a conflict is
// retried from a fresh read.
func changeBudget(ctx context.Context, c kubernetes.Interface, req budgetRequest) (budgetResult, error) {
	ref := kube.Ref{Kind: "poddisruptionbudget", Namespace: req.Namespace, Name: req.PDB}
	budgets := c.PolicyV1().PodDisruptionBudgets(req.Namespace)
	var res budgetResult
	verb := "get"
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		verb = "get"
		pdb, err := budgets.Get(ctx, req.PDB, metav1.GetOptions{})
		if err != nil {
			return err
		}
		var patch []byte
		if req.Restore {
			res, patch, err = restorePatch(pdb, ref)
		} else {
			res, patch, err = relaxPatch(pdb, req.Value, ref)
		}
		if err != nil || patch == nil {
			return err
		}
		opts := metav1.PatchOptions{FieldManager: fieldManager}
		if req.DryRun {
			opts.DryRun = []string{metav1.DryRunAll}
		}
		verb = "patch"
		patched, err := budgets.Patch(ctx, req.PDB, types.MergePatchType, patch, opts)
		if err != nil {
			return err
		}
		res.After, res.Changed = budgetOf(patched), true
		_, res.Recorded = patched.Annotations[PreviousSpecAnnotation]
		return nil
	})
	if refused := (*refusal)(nil); errors.As(err, &refused) {
		return budgetResult{}, err
	}
	if err != nil {
		return budgetResult{}, kube.APIError(err, verb, ref)
	}
	logChange(ctx, req, ref, res)
	return res, nil
}

// refusal is a request the action will not carry out, with the reason.
type refusal struct{ msg string }

func (r *refusal) Error() string { return r.msg }

// relaxPatch returns the patch that sets value and clears the other field (a budget holds only
// one), and records the spec before in the annotation. A budget relaxed before keeps the
// record it has: it holds the spec from before the first relaxation, which is the one to
// restore. The patch is nil when the budget already has the value and a record, or has the
// value without ever having been relaxed: there is nothing to relax.
func relaxPatch(pdb *policyv1.PodDisruptionBudget, value budgetField, ref kube.Ref) (budgetResult, []byte, error) {
	res := budgetResult{Before: budgetOf(pdb), DisruptionsAllowed: pdb.Status.DisruptionsAllowed}
	res.After = res.Before
	_, res.Recorded = pdb.Annotations[PreviousSpecAnnotation]
	current := pdb.Spec.MaxUnavailable
	if value.Name == fieldMinAvailable {
		current = pdb.Spec.MinAvailable
	}
	if current != nil && *current == value.Value {
		return res, nil, nil
	}
	if err := refuseStricter(pdb, value, ref); err != nil {
		return budgetResult{}, nil, err
	}
	spec := map[string]any{fieldMaxUnavailable: nil, fieldMinAvailable: nil}
	spec[value.Name] = value.Value
	metadata := map[string]any{"resourceVersion": pdb.ResourceVersion}
	if !res.Recorded {
		previous, err := json.Marshal(pdb.Spec)
		if err != nil {
			return budgetResult{}, nil, fmt.Errorf("recording the spec of %s: %w", ref, err)
		}
		metadata["annotations"] = map[string]any{PreviousSpecAnnotation: string(previous)}
	}
	patch, err := json.Marshal(map[string]any{"metadata": metadata, "spec": spec})
	return res, patch, err
}

// refuseStricter refuses a value under which the budget would need more healthy pods than it
// does now, counted against the pods the disruption controller last expected. It cannot tell
// before the controller has observed the budget, and then lets the value through.
func refuseStricter(pdb *policyv1.PodDisruptionBudget, value budgetField, ref kube.Ref) error {
	expected := int(pdb.Status.ExpectedPods)
	if expected == 0 || pdb.Status.ObservedGeneration < pdb.Generation {
		return nil
	}
	before, ok := desiredHealthy(pdb.Spec.MinAvailable, pdb.Spec.MaxUnavailable, expected)
	if !ok {
		return nil
	}
	v := value.Value
	var after int
	if value.Name == fieldMinAvailable {
		after, _ = desiredHealthy(&v, nil, expected)
	} else {
		after, _ = desiredHealthy(nil, &v, expected)
	}
	if after > before {
		return &refusal{fmt.Sprintf("%s %s would make %s stricter, not relaxed: of its %d expected pods, %d would have "+
			"to stay healthy instead of %d; give a larger maxUnavailable or a smaller minAvailable",
			value.Name, value.Input, ref, expected, after, before)}
	}
	return nil
}

// desiredHealthy is how many of expected pods a budget keeps healthy, computed as the
// disruption controller does (percentages rounded up). ok is false when neither field is set.
func desiredHealthy(minAvailable, maxUnavailable *intstr.IntOrString, expected int) (n int, ok bool) {
	switch {
	case maxUnavailable != nil:
		v, err := intstr.GetScaledValueFromIntOrPercent(maxUnavailable, expected, true)
		return max(expected-v, 0), err == nil
	case minAvailable != nil:
		v, err := intstr.GetScaledValueFromIntOrPercent(minAvailable, expected, true)
		return v, err == nil
	}
	return 0, false
}

// restorePatch returns the patch that puts back the recorded minAvailable and maxUnavailable
// (only those: the relaxation changed nothing else, and putting back the selector too would
// undo someone else's change) and removes the record. The patch is nil when there is no
// record: the budget was never relaxed or was restored already, so a retried step succeeds.
func restorePatch(pdb *policyv1.PodDisruptionBudget, ref kube.Ref) (budgetResult, []byte, error) {
	res := budgetResult{Before: budgetOf(pdb), DisruptionsAllowed: pdb.Status.DisruptionsAllowed}
	res.After = res.Before
	recorded, ok := pdb.Annotations[PreviousSpecAnnotation]
	if !ok {
		return res, nil, nil
	}
	var previous policyv1.PodDisruptionBudgetSpec
	if err := json.Unmarshal([]byte(recorded), &previous); err != nil {
		return budgetResult{}, nil, &refusal{fmt.Sprintf("%s has an annotation %s that is not a recorded spec (%v); "+
			"set the budget by hand and remove the annotation", ref, PreviousSpecAnnotation, err)}
	}
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"resourceVersion": pdb.ResourceVersion, "annotations": map[string]any{PreviousSpecAnnotation: nil}},
		"spec":     map[string]any{fieldMinAvailable: previous.MinAvailable, fieldMaxUnavailable: previous.MaxUnavailable},
	})
	return res, patch, err
}

// budgetOf returns the budget's two fields as strings.
func budgetOf(pdb *policyv1.PodDisruptionBudget) budget {
	str := func(v *intstr.IntOrString) string {
		if v == nil {
			return ""
		}
		return v.String()
	}
	return budget{MinAvailable: str(pdb.Spec.MinAvailable), MaxUnavailable: str(pdb.Spec.MaxUnavailable)}
}

func logChange(ctx context.Context, req budgetRequest, ref kube.Ref, res budgetResult) {
	what := fmt.Sprintf("minAvailable %q maxUnavailable %q -> minAvailable %q maxUnavailable %q",
		res.Before.MinAvailable, res.Before.MaxUnavailable, res.After.MinAvailable, res.After.MaxUnavailable)
	switch {
	case !res.Changed && req.Restore:
		action.Logf(ctx, "%s has no recorded spec (annotation %s); nothing to restore", ref, PreviousSpecAnnotation)
	case !res.Changed:
		action.Logf(ctx, "%s already has %s %s; nothing to change", ref, req.Value.Name, req.Value.Input)
	case req.DryRun:
		action.Logf(ctx, "dry run: %s would change (%s); nothing was changed", ref, what)
	case req.Restore:
		action.Logf(ctx, "restored %s (%s) and removed the annotation %s", ref, what, PreviousSpecAnnotation)
	default:
		action.Logf(ctx, "relaxed %s (%s); the previous spec is recorded in the annotation %s", ref, what, PreviousSpecAnnotation)
	}
}
