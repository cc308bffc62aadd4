package actionexecution

import (
	"encoding/json"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
)

// annotationLaunchRecord on a run's Job holds what the checks before launch established: the
// verified digest, the signer, the contract and their conditions. The status write that records
// them follows the Job's creation; if the controller stops in between, the next reconcile finds
// the Job and restores the record from it, because a run with a Job is never checked again (a
// registry change after launch must not fail a running action).
const annotationLaunchRecord = "kubernaut.ai/launch-record"

// launchRecord is the annotation's content.
type launchRecord struct {
	VerifiedDigest string                               `json:"verifiedDigest,omitempty"`
	Signer         *executionv1alpha1.Signer            `json:"signer,omitempty"`
	Contract       *executionv1alpha1.ContractReference `json:"contract,omitempty"`
	Conditions     []metav1.Condition                   `json:"conditions,omitempty"`
}

// launchConditions are the conditions decided before launch and recorded on the Job.
var launchConditions = []string{executionv1alpha1.VerifiedCondition, executionv1alpha1.ContractLoadedCondition}

// stampLaunchRecord writes the record of run's checks onto the Job about to be created.
func stampLaunchRecord(job *batchv1.Job, obj *executionv1alpha1.ActionExecution) error {
	rec := launchRecord{VerifiedDigest: obj.Status.VerifiedDigest, Signer: obj.Status.Signer, Contract: obj.Status.Contract}
	for _, t := range launchConditions {
		if c := apimeta.FindStatusCondition(obj.Status.Conditions, t); c != nil {
			rec.Conditions = append(rec.Conditions, *c)
		}
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encoding the launch record: %w", err)
	}
	if job.Annotations == nil {
		job.Annotations = map[string]string{}
	}
	job.Annotations[annotationLaunchRecord] = string(data)
	return nil
}

// restoreLaunchRecord copies the Job's launch record into a status that lacks it (the status
// write after the Job's creation was lost). A status that has it is left alone; a Job without a
// readable record (created by an older controller) restores nothing.
func restoreLaunchRecord(run *run) {
	status := &run.obj.Status
	if status.Contract != nil || run.job == nil {
		return
	}
	var rec launchRecord
	if err := json.Unmarshal([]byte(run.job.Annotations[annotationLaunchRecord]), &rec); err != nil {
		return
	}
	status.VerifiedDigest, status.Signer, status.Contract = rec.VerifiedDigest, rec.Signer, rec.Contract
	for _, c := range rec.Conditions {
		apimeta.SetStatusCondition(&status.Conditions, c)
	}
}
