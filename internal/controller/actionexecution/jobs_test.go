package actionexecution_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionjob"
)

// The helpers below play the parts envtest lacks: the Job controller and the kubelet. They write
// Job and pod status through the status subresource, as those components do.

// jobOf waits for the ActionExecution's Job and returns it.
func jobOf(t *testing.T, ae *executionv1alpha1.ActionExecution) *batchv1.Job {
	t.Helper()
	job := &batchv1.Job{}
	key := client.ObjectKey{Namespace: ae.Namespace, Name: actionjob.JobName(ae)}
	NewWithT(t).Eventually(func() error {
		return env.Client.Get(context.Background(), key, job)
	}, eventually, poll).Should(Succeed())
	return job
}

// finishPod creates the Job's pod as the Job controller would (template labels, owner) and marks
// it finished as the kubelet would, with the container's termination message.
func finishPod(t *testing.T, job *batchv1.Job, phase corev1.PodPhase, exitCode int32, message string) {
	t.Helper()
	ctx := context.Background()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:       job.Namespace,
			GenerateName:    job.Name + "-",
			Labels:          job.Spec.Template.Labels,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(job, batchv1.SchemeGroupVersion.WithKind("Job"))},
		},
		Spec: *job.Spec.Template.Spec.DeepCopy(),
	}
	pod.Spec.NodeName = "envtest-node"
	create(t, pod)
	now := metav1.Now()
	pod.Status = corev1.PodStatus{
		Phase: phase,
		ContainerStatuses: []corev1.ContainerStatus{{
			Name:  pod.Spec.Containers[0].Name,
			Image: pod.Spec.Containers[0].Image,
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: exitCode, Message: message, StartedAt: now, FinishedAt: now,
			}},
		}},
	}
	if err := env.Client.Status().Update(ctx, pod); err != nil {
		t.Fatalf("write pod status: %v", err)
	}
}

// completeJob marks the Job complete the way the Job controller does (SuccessCriteriaMet, then
// Complete, with start and completion times).
func completeJob(t *testing.T, job *batchv1.Job) {
	t.Helper()
	now := metav1.Now()
	job.Status.StartTime = &now
	job.Status.CompletionTime = &now
	job.Status.Succeeded = 1
	job.Status.Conditions = []batchv1.JobCondition{
		jobCondition(batchv1.JobSuccessCriteriaMet, "CompletionsReached", "Reached expected number of succeeded pods"),
		jobCondition(batchv1.JobComplete, "CompletionsReached", "Reached expected number of succeeded pods"),
	}
	if err := env.Client.Status().Update(context.Background(), job); err != nil {
		t.Fatalf("write Job status: %v", err)
	}
}

// failJob marks the Job failed with reason (FailureTarget, then Failed), as the Job controller
// does for BackoffLimitExceeded or DeadlineExceeded.
func failJob(t *testing.T, job *batchv1.Job, reason, message string) {
	t.Helper()
	now := metav1.Now()
	job.Status.StartTime = &now
	job.Status.Failed = 1
	job.Status.Conditions = []batchv1.JobCondition{
		jobCondition(batchv1.JobFailureTarget, reason, message),
		jobCondition(batchv1.JobFailed, reason, message),
	}
	if err := env.Client.Status().Update(context.Background(), job); err != nil {
		t.Fatalf("write Job status: %v", err)
	}
}

func jobCondition(t batchv1.JobConditionType, reason, message string) batchv1.JobCondition {
	now := metav1.Now()
	return batchv1.JobCondition{
		Type: t, Status: corev1.ConditionTrue, Reason: reason, Message: message,
		LastProbeTime: now, LastTransitionTime: now,
	}
}
