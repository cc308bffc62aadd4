package actionexecution

import (
	"context"
	"fmt"
	"io"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionjob"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

// Bounds of the log read when the termination message holds no outputs. The outputs are the
// last stdout line, so a few lines hold them; only the last actionjob.LogTailBytes are kept. The
// read itself is capped too, so that an action writing enormous lines cannot make the
// controller stream them without end; such a run fails with OutputInvalid.
const (
	logTailLines    = 20
	maxLogReadBytes = 8 * actionjob.LogTailBytes
)

// readOutputs returns the outputs of the Job's succeeded pod, validated against c: from the
// termination message when it holds them (the SDK writes them there; the kubelet keeps it in the
// pod status, and stderr cannot interleave), else from a bounded tail of the container's log.
func (r *Reconciler) readOutputs(ctx context.Context, pod *corev1.Pod, c *contract.ActionContract) (map[string]any, error) {
	for _, st := range pod.Status.ContainerStatuses {
		if st.Name != actionjob.ContainerName || st.State.Terminated == nil {
			continue
		}
		outputs, ok, err := actionjob.OutputsFromTerminationMessage(st.State.Terminated.Message, c)
		if err != nil {
			return nil, refuseFrom("", executionv1alpha1.OutputInvalidReason, err)
		}
		if ok {
			return outputs, nil
		}
	}
	tail, err := r.logTail(ctx, pod)
	if err != nil {
		return nil, err
	}
	outputs, err := actionjob.ParseOutputs(tail, c)
	if err != nil {
		return nil, refuseFrom("", executionv1alpha1.OutputInvalidReason, err)
	}
	return outputs, nil
}

// logTail returns the last actionjob.LogTailBytes of the action container's last lines.
func (r *Reconciler) logTail(ctx context.Context, pod *corev1.Pod) ([]byte, error) {
	lines := int64(logTailLines)
	stream, err := r.KubeClient.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{
		Container: actionjob.ContainerName, TailLines: &lines,
	}).Stream(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the log of pod %s/%s for the outputs: %w", pod.Namespace, pod.Name, err)
	}
	defer stream.Close()
	data, err := io.ReadAll(io.LimitReader(stream, maxLogReadBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the log of pod %s/%s for the outputs: %w", pod.Namespace, pod.Name, err)
	}
	if len(data) > maxLogReadBytes {
		return nil, refuse("", executionv1alpha1.OutputInvalidReason,
			"the last %d lines of pod %s/%s exceed %d bytes; outputs are at most %d bytes and are never truncated",
			logTailLines, pod.Namespace, pod.Name, maxLogReadBytes, actionjob.LogTailBytes/2)
	}
	return data[max(0, len(data)-actionjob.LogTailBytes):], nil
}

// succeededPod returns the Job's newest pod whose action container succeeded, or nil, as reader
// (the cache or the API server) sees them.
func succeededPod(ctx context.Context, reader client.Reader, job *batchv1.Job) (*corev1.Pod, error) {
	pods, err := jobPods(ctx, reader, job)
	if err != nil {
		return nil, err
	}
	return newestPod(pods, actionSucceeded), nil
}

// completedJobPod returns the succeeded pod of a Job that completed: from the cache, else from
// the API server (the pod's watch event may not have arrived yet). A completed Job whose pod is
// gone has no outputs left to read.
func (r *Reconciler) completedJobPod(ctx context.Context, job *batchv1.Job) (*corev1.Pod, error) {
	for _, reader := range []client.Reader{r.Client, r.APIReader} {
		if pod, err := succeededPod(ctx, reader, job); err != nil || pod != nil {
			return pod, err
		}
	}
	return nil, refuse("", executionv1alpha1.OutputInvalidReason,
		"Job %s completed but none of its pods succeeded or is left, so its outputs cannot be read", job.Name)
}

// jobPods lists the pods of job by its selector.
func jobPods(ctx context.Context, reader client.Reader, job *batchv1.Job) ([]corev1.Pod, error) {
	if job.Spec.Selector == nil {
		return nil, refuse("", executionv1alpha1.OutputInvalidReason, "Job %s has no pod selector to find its pod by", job.Name)
	}
	selector, err := metav1.LabelSelectorAsSelector(job.Spec.Selector)
	if err != nil {
		return nil, refuse("", executionv1alpha1.OutputInvalidReason, "Job %s has an invalid pod selector: %v", job.Name, err)
	}
	var pods corev1.PodList
	if err := reader.List(ctx, &pods, client.InNamespace(job.Namespace), client.MatchingLabelsSelector{Selector: selector}); err != nil {
		return nil, fmt.Errorf("listing the pods of Job %s: %w", job.Name, err)
	}
	return pods.Items, nil
}

// newestPod returns the newest of pods that match, or nil.
func newestPod(pods []corev1.Pod, match func(*corev1.Pod) bool) *corev1.Pod {
	var newest *corev1.Pod
	for i := range pods {
		if p := &pods[i]; match(p) && (newest == nil || newest.CreationTimestamp.Before(&p.CreationTimestamp)) {
			newest = p
		}
	}
	return newest
}

// actionSucceeded reports whether the pod's action container exited 0: the pod Succeeded, or
// the kubelet already reports the container's end (the phase can follow in a later update).
// With restartPolicy Never and one container, both mean the same run.
func actionSucceeded(pod *corev1.Pod) bool {
	if pod.Status.Phase == corev1.PodSucceeded {
		return true
	}
	if pod.Status.Phase == corev1.PodFailed || !pod.DeletionTimestamp.IsZero() {
		return false
	}
	for _, st := range pod.Status.ContainerStatuses {
		if st.Name == actionjob.ContainerName && st.State.Terminated != nil {
			return st.State.Terminated.ExitCode == 0
		}
	}
	return false
}
