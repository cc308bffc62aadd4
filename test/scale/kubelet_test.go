package scale_test

import (
	"context"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// kubeletWorkers finish Jobs in parallel, as many nodes would; the manager, not the stand-in
// kubelet, must be what limits the throughput.
const kubeletWorkers = 8

// stepOutputs is what every action "prints": the output the scale contract declares, which the
// next step of the chain takes as its replicas input.
const stepOutputs = `{"previousReplicas":2}`

// playKubelet plays the Job controller and the kubelet, which envtest lacks: for every Job
// created in ns it creates the Job's pod, marks it Succeeded with the outputs as the
// container's termination message (where the SDK writes them and the ActionExecution
// controller reads them), and marks the Job Complete. The actions take no time, so the figures
// are the manager's own ceiling. The first error is sent on the returned channel.
func playKubelet(ctx context.Context, c client.WithWatch, ns string) (<-chan error, error) {
	w, err := c.Watch(ctx, &batchv1.JobList{}, client.InNamespace(ns))
	if err != nil {
		return nil, fmt.Errorf("watch the Jobs of %s: %w", ns, err)
	}
	jobs, errs := make(chan *batchv1.Job, 1024), make(chan error, kubeletWorkers+1)
	go func() {
		defer close(jobs)
		defer w.Stop()
		for ev := range w.ResultChan() {
			if job, ok := ev.Object.(*batchv1.Job); ok && ev.Type == watch.Added {
				jobs <- job
			}
		}
		if ctx.Err() == nil {
			errs <- fmt.Errorf("the watch of the Jobs of %s ended early", ns)
		}
	}()
	for range kubeletWorkers {
		go func() {
			for job := range jobs {
				if err := finishJob(ctx, c, job); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	return errs, nil
}

// finishJob creates the Job's pod as the Job controller would (template labels and spec, owner),
// writes its status as the kubelet would, then writes the Job's status as the Job controller does
// when the pod succeeded.
func finishJob(ctx context.Context, c client.Client, job *batchv1.Job) error {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: job.Namespace, GenerateName: job.Name + "-", Labels: job.Spec.Template.Labels,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(job, batchv1.SchemeGroupVersion.WithKind("Job"))},
		},
		Spec: *job.Spec.Template.Spec.DeepCopy(),
	}
	pod.Spec.NodeName = "bench-node"
	if err := c.Create(ctx, pod); err != nil {
		return fmt.Errorf("create the pod of Job %s: %w", job.Name, err)
	}
	now := metav1.Now()
	pod.Status = corev1.PodStatus{Phase: corev1.PodSucceeded, ContainerStatuses: []corev1.ContainerStatus{{
		Name: pod.Spec.Containers[0].Name, Image: pod.Spec.Containers[0].Image,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Message: stepOutputs, StartedAt: now, FinishedAt: now}},
	}}}
	if err := c.Status().Update(ctx, pod); err != nil {
		return fmt.Errorf("write the status of pod %s: %w", pod.Name, err)
	}
	job.Status.StartTime, job.Status.CompletionTime, job.Status.Succeeded = &now, &now, 1
	job.Status.Conditions = []batchv1.JobCondition{
		{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, Reason: "CompletionsReached", LastProbeTime: now, LastTransitionTime: now},
		{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, Reason: "CompletionsReached", LastProbeTime: now, LastTransitionTime: now},
	}
	if err := c.Status().Update(ctx, job); err != nil {
		return fmt.Errorf("write the status of Job %s: %w", job.Name, err)
	}
	return nil
}
