package main

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubernaut/kubernaut/sdk/action"
)

// outcome is what became of the pods the drain tried to evict.
type outcome struct {
	// Evicted are the pods evicted (in a dry run: that would be), as "namespace/name".
	Evicted []corev1.Pod
	// Skipped are pods that went by themselves before their eviction: "namespace/name: reason".
	Skipped []string
	// Failed are the pods that could not be evicted: "namespace/name: reason".
	Failed []string
}

// evictAll evicts pods through the Eviction API, round after round until deadline: an
// eviction that a PodDisruptionBudget refuses (429 Too Many Requests) is tried again in the
// next round, because the budget frees up as soon as a replacement pod elsewhere becomes ready;
// any other refusal is final. Each eviction carries the pod's UID as a precondition, so that a
// replacement created under the same name is not evicted in its stead.
func evictAll(ctx context.Context, c kubernetes.Interface, pods []corev1.Pod, opts evictOptions) outcome {
	var out outcome
	pending := pods
	refusals := map[string]string{} // pod -> the budget's last message, logged when it changes
	for {
		var next []corev1.Pod
		for _, pod := range pending {
			err := evict(ctx, c, &pod, opts)
			name := podName(&pod)
			switch {
			case err == nil:
				out.Evicted = append(out.Evicted, pod)
			case apierrors.IsNotFound(err) || apierrors.IsConflict(err):
				out.Skipped = append(out.Skipped, name+": gone before its eviction")
			case apierrors.IsTooManyRequests(err):
				if refusals[name] != err.Error() {
					action.Logf(ctx, "eviction of %s refused, retrying: %v", name, err)
				}
				refusals[name] = err.Error()
				next = append(next, pod)
			default:
				out.Failed = append(out.Failed, fmt.Sprintf("%s: eviction failed: %v", name, err))
			}
		}
		if len(next) == 0 || !sleep(ctx, opts.Deadline, opts.RetryInterval) {
			for _, pod := range next {
				out.Failed = append(out.Failed, fmt.Sprintf("%s: eviction refused until the timeout: %s", podName(&pod), refusals[podName(&pod)]))
			}
			return out
		}
		pending = next
	}
}

// evictOptions are the settings of every eviction.
type evictOptions struct {
	GracePeriodSeconds *int64
	DryRun             bool
	Deadline           time.Time
	RetryInterval      time.Duration
}

func evict(ctx context.Context, c kubernetes.Interface, pod *corev1.Pod, opts evictOptions) error {
	uid := pod.UID
	del := &metav1.DeleteOptions{GracePeriodSeconds: opts.GracePeriodSeconds, Preconditions: &metav1.Preconditions{UID: &uid}}
	if opts.DryRun {
		del.DryRun = []string{metav1.DryRunAll}
	}
	return c.CoreV1().Pods(pod.Namespace).EvictV1(ctx, &policyv1.Eviction{
		ObjectMeta:    metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace},
		DeleteOptions: del,
	})
}

// waitGone polls the evicted pods until each is gone (deleted, or replaced by a pod with
// another UID under the same name) or the deadline passes, and returns the names of those gone
// and the failures of those still there.
func waitGone(ctx context.Context, c kubernetes.Interface, pods []corev1.Pod, deadline time.Time, interval time.Duration) (gone, failed []string) {
	pending := pods
	for {
		var next []corev1.Pod
		for _, pod := range pending {
			got, err := c.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err) || (err == nil && got.UID != pod.UID):
				gone = append(gone, podName(&pod))
			case err != nil:
				failed = append(failed, fmt.Sprintf("%s: evicted, but reading it failed: %v", podName(&pod), err))
			default:
				next = append(next, pod)
			}
		}
		if len(next) == 0 || !sleep(ctx, deadline, interval) {
			for _, pod := range next {
				failed = append(failed, podName(&pod)+": evicted, but still terminating at the timeout")
			}
			return gone, failed
		}
		pending = next
	}
}

// sleep waits for interval, or until deadline when that comes first, and reports whether
// another round may start: false once deadline has passed or ctx has ended. The last round
// therefore runs at the deadline, and a drain never gives up before its timeout.
func sleep(ctx context.Context, deadline time.Time, interval time.Duration) bool {
	remaining := time.Until(deadline)
	if remaining <= 0 {
		return false
	}
	t := time.NewTimer(min(interval, remaining))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
