package workflowexecution_test

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
)

// The helpers below play the ActionExecution controller, which these tests do not run: they
// write an ActionExecution's status through the status subresource, as that controller does.

// testDigest and testSigner are what the played ActionExecution controller reports as verified.
const testDigest = "sha256:5f1c0e0c4e1d5a3f2b9e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928"

var testSigner = executionv1alpha1.Signer{Format: executionv1alpha1.SignatureFormatBundle, KeyID: "test-key"}

// runChild marks the child Running: verified, Job created.
func runChild(t testing.TB, ae *executionv1alpha1.ActionExecution, at time.Time) {
	t.Helper()
	writeChildStatus(t, ae, func(s *executionv1alpha1.ActionExecutionStatus) {
		verified(s, at)
		s.Phase = executionv1alpha1.PhaseRunning
		s.Conditions = []metav1.Condition{readyCondition(metav1.ConditionUnknown, executionv1alpha1.RunningReason, "Job is running", at)}
	})
}

// succeedChild marks the child Succeeded with outputs (a JSON object), finished at at.
func succeedChild(t testing.TB, ae *executionv1alpha1.ActionExecution, outputs string, at time.Time) {
	t.Helper()
	writeChildStatus(t, ae, func(s *executionv1alpha1.ActionExecutionStatus) {
		verified(s, at)
		s.Phase = executionv1alpha1.PhaseSucceeded
		s.Outputs = &runtime.RawExtension{Raw: []byte(outputs)}
		s.CompletionTime = &metav1.Time{Time: at}
		s.Conditions = []metav1.Condition{readyCondition(metav1.ConditionTrue, executionv1alpha1.SucceededReason,
			"The action completed and its outputs satisfy the contract", at)}
	})
}

// failChild marks the child Failed with the Ready reason and message, finished at at.
func failChild(t testing.TB, ae *executionv1alpha1.ActionExecution, reason, message string, at time.Time) {
	t.Helper()
	writeChildStatus(t, ae, func(s *executionv1alpha1.ActionExecutionStatus) {
		s.Phase = executionv1alpha1.PhaseFailed
		s.CompletionTime = &metav1.Time{Time: at}
		s.Conditions = []metav1.Condition{readyCondition(metav1.ConditionFalse, reason, message, at)}
	})
}

// verified records the verification and the Job, as the ActionExecution controller does at launch.
func verified(s *executionv1alpha1.ActionExecutionStatus, at time.Time) {
	s.ObservedGeneration = 1
	s.VerifiedDigest = testDigest
	s.Signer = testSigner.DeepCopy()
	s.Contract = &executionv1alpha1.ContractReference{Name: "scale-test", Version: "v1.2.3"}
	s.JobRef = &executionv1alpha1.JobReference{Name: "job"}
	s.StartTime = &metav1.Time{Time: at}
}

func readyCondition(status metav1.ConditionStatus, reason, message string, at time.Time) metav1.Condition {
	return metav1.Condition{
		Type: executionv1alpha1.ReadyCondition, Status: status, Reason: reason, Message: message,
		ObservedGeneration: 1, LastTransitionTime: metav1.NewTime(at),
	}
}

// writeChildStatus applies mutate to the child's current status and writes it, retrying on a
// conflict.
func writeChildStatus(t testing.TB, ae *executionv1alpha1.ActionExecution, mutate func(*executionv1alpha1.ActionExecutionStatus)) {
	t.Helper()
	ctx := context.Background()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(ae), ae); err != nil {
			return err
		}
		mutate(&ae.Status)
		return env.Client.Status().Update(ctx, ae)
	})
	if err != nil {
		t.Fatalf("write the status of ActionExecution %s: %v", ae.Name, err)
	}
}
