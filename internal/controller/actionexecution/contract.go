package actionexecution

import (
	"context"
	"errors"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionjob"
	"github.com/kubernaut/kubernaut/internal/imagecontract"
)

// contractErrors are the loader's verdicts about the image itself; any other load error (network,
// registry, timeout) says nothing about the contract and is retried.
var contractErrors = []error{
	imagecontract.ErrContractNotFound, imagecontract.ErrContractTooLarge,
	imagecontract.ErrContractWhiteout, imagecontract.ErrInvalidContract,
}

// reconcileContract reads the contract from the digest decided by verification, never from the
// registry's reference, so the contract always belongs to the image that runs.
func (r *Reconciler) reconcileContract(ctx context.Context, run *run) error {
	loaded, err := r.Loader.Load(ctx, run.digest, run.entry.ContractPath, run.pull.loadOptions()...)
	if err != nil {
		for _, verdict := range contractErrors {
			if errors.Is(err, verdict) {
				return refuse(executionv1alpha1.ContractLoadedCondition, executionv1alpha1.ContractInvalidReason,
					"the contract of %s is unusable: %v", run.digest, err)
			}
		}
		return fmt.Errorf("loading the contract of %s with %s: %w", run.digest, run.pull, err)
	}
	c := loaded.Contract
	run.contract = c
	run.obj.Status.Contract = &executionv1alpha1.ContractReference{Name: c.Metadata.Name, Version: c.Metadata.Version}
	setCondition(run.obj, executionv1alpha1.ContractLoadedCondition, metav1.ConditionTrue, executionv1alpha1.SucceededReason,
		fmt.Sprintf("Contract %s %s read from %s at %s", c.Metadata.Name, c.Metadata.Version, run.digest, loaded.Path))
	return nil
}

// reconcileInputs validates spec.inputs against the contract and applies its defaults, so the
// action sees complete inputs (DESIGN D3). Absent inputs are the empty object. With engine
// tekton, inputs holding references to earlier steps' outputs are left to the action's SDK,
// which sees their values at run time (see applyInputsDeferringReferences).
func (r *Reconciler) reconcileInputs(_ context.Context, run *run) error {
	raw := []byte("{}")
	if in := run.obj.Spec.Inputs; in != nil && len(in.Raw) > 0 {
		raw = in.Raw
	}
	apply := applyInputs
	if run.obj.Spec.Engine == executionv1alpha1.EngineTekton {
		apply = applyInputsDeferringReferences
	}
	inputs, err := apply(run.contract, raw)
	if err != nil {
		return refuse(executionv1alpha1.JobCreatedCondition, executionv1alpha1.InvalidInputsReason,
			"spec.inputs do not satisfy contract %s %s: %v", run.contract.Metadata.Name, run.contract.Metadata.Version, err)
	}
	run.inputs = inputs
	return nil
}

// reconcileSecurity refuses a contract that would loosen the restricted baseline, and one that
// asks for more than the controller's permission ceiling. The API server would refuse the
// latter too (RBAC escalation check), but only after the ServiceAccount exists and with a far
// less helpful message. A run with a pre-created ServiceAccount is granted nothing by the
// controller, so only the baseline applies to it.
func (r *Reconciler) reconcileSecurity(_ context.Context, run *run) error {
	if err := actionjob.CheckSecurity(run.contract); err != nil {
		return refuseFrom(executionv1alpha1.JobCreatedCondition, executionv1alpha1.SecurityContextRejectedReason, err)
	}
	if run.serviceAccountOverride() != "" {
		return nil
	}
	namespaced, cluster := actionjob.Permissions(run.contract)
	if err := actionjob.CheckCeiling(append(namespaced, cluster...), r.Ceiling); err != nil {
		return refuseFrom(executionv1alpha1.JobCreatedCondition, executionv1alpha1.PermissionsExceedCeilingReason,
			fmt.Errorf("contract %s %s: %w", run.contract.Metadata.Name, run.contract.Metadata.Version, err))
	}
	return nil
}

// serviceAccountOverride is the pre-created ServiceAccount the run uses instead of one the
// controller creates: spec.serviceAccountName first, then the registry entry's.
func (run *run) serviceAccountOverride() string {
	if sa := run.obj.Spec.ServiceAccountName; sa != "" {
		return sa
	}
	return run.entry.ServiceAccountName
}
