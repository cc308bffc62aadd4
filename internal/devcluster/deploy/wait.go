package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
)

// ErrNotAvailable: the manager's Deployment did not become available in time.
var ErrNotAvailable = errors.New("the manager did not become available")

// logTailLines is how many log lines of each container an ErrNotAvailable error shows.
const logTailLines = 20

// waitAvailable waits until the Deployment's latest pod template is rolled out and available,
// and returns the names of its ready pods. On timeout the error describes the pods.
func (c *clients) waitAvailable(ctx context.Context, timeout time.Duration) ([]string, error) {
	var last string
	var d *appsv1.Deployment
	err := wait.PollUntilContextTimeout(ctx, time.Second, timeout, true, func(ctx context.Context) (bool, error) {
		got, err := c.kube.AppsV1().Deployments(Namespace).Get(ctx, DeploymentName, metav1.GetOptions{})
		if err != nil {
			if d == nil {
				last = err.Error() // transient: keep polling; reported if nothing better is known
			}
			return false, nil
		}
		d = got
		done, why := rolloutState(d)
		last = why
		return done, nil
	})
	if err != nil {
		// The wait's own context has ended; the diagnosis gets a fresh, short one.
		diagCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
		defer cancel()
		return nil, fmt.Errorf("%w: Deployment %s/%s after %s: %s\n%s", ErrNotAvailable, Namespace, DeploymentName,
			timeout, last, c.diagnose(diagCtx, d))
	}
	return c.readyPods(ctx, d)
}

// rolloutState says whether d's current generation is fully rolled out and available, and if
// not, what is still missing (the checks of `kubectl rollout status`).
func rolloutState(d *appsv1.Deployment) (bool, string) {
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	s := d.Status
	switch {
	case s.ObservedGeneration < d.Generation:
		return false, "the Deployment controller has not seen the new spec yet"
	case s.UpdatedReplicas < want:
		return false, fmt.Sprintf("%d of %d replicas updated", s.UpdatedReplicas, want)
	case s.Replicas > s.UpdatedReplicas:
		return false, fmt.Sprintf("%d old replicas still terminating", s.Replicas-s.UpdatedReplicas)
	case s.AvailableReplicas < s.UpdatedReplicas:
		return false, fmt.Sprintf("%d of %d updated replicas available", s.AvailableReplicas, s.UpdatedReplicas)
	}
	return true, "available"
}

// podsOf lists the pods of d's selector.
func (c *clients) podsOf(ctx context.Context, d *appsv1.Deployment) ([]corev1.Pod, error) {
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("selector of Deployment %s: %w", d.Name, err)
	}
	list, err := c.kube.CoreV1().Pods(d.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, fmt.Errorf("listing the pods of Deployment %s: %w", d.Name, err)
	}
	return list.Items, nil
}

// readyPods names the ready, non-terminating pods of d.
func (c *clients) readyPods(ctx context.Context, d *appsv1.Deployment) ([]string, error) {
	pods, err := c.podsOf(ctx, d)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, p := range pods {
		if p.DeletionTimestamp == nil && podReady(&p) {
			names = append(names, p.Name)
		}
	}
	return names, nil
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// diagnose describes every pod of d with its container states and last log lines.
func (c *clients) diagnose(ctx context.Context, d *appsv1.Deployment) string {
	if d == nil {
		return "(the Deployment could not be read)"
	}
	pods, err := c.podsOf(ctx, d)
	if err != nil {
		return err.Error()
	}
	if len(pods) == 0 {
		return fmt.Sprintf("no pods match %s; conditions: %s", labels.Set(d.Spec.Selector.MatchLabels), deploymentConditions(d))
	}
	var b strings.Builder
	for _, p := range pods {
		b.WriteString(describePod(&p))
		for _, cs := range append(p.Status.InitContainerStatuses, p.Status.ContainerStatuses...) {
			fmt.Fprintf(&b, "  last log lines of %s:\n%s", cs.Name, c.logTail(ctx, p.Name, cs.Name))
		}
	}
	return b.String()
}

// describePod renders a pod's phase, unmet conditions and container states, one per line.
func describePod(p *corev1.Pod) string {
	var b strings.Builder
	fmt.Fprintf(&b, "pod %s: %s", p.Name, p.Status.Phase)
	for _, c := range p.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			fmt.Fprintf(&b, "; %s=%s %s %s", c.Type, c.Status, c.Reason, c.Message)
		}
	}
	b.WriteString("\n")
	for _, cs := range p.Status.InitContainerStatuses {
		fmt.Fprintf(&b, "  init container %s\n", describeContainer(cs))
	}
	for _, cs := range p.Status.ContainerStatuses {
		fmt.Fprintf(&b, "  container %s\n", describeContainer(cs))
	}
	return b.String()
}

// describeContainer renders one container's state as `kubectl describe` would summarise it.
func describeContainer(cs corev1.ContainerStatus) string {
	s := fmt.Sprintf("%s: ready=%t restarts=%d", cs.Name, cs.Ready, cs.RestartCount)
	switch st := cs.State; {
	case st.Waiting != nil:
		s += fmt.Sprintf(", waiting: %s %s", st.Waiting.Reason, st.Waiting.Message)
	case st.Terminated != nil:
		s += fmt.Sprintf(", terminated: %s (exit code %d) %s", st.Terminated.Reason, st.Terminated.ExitCode, st.Terminated.Message)
	case st.Running != nil:
		s += ", running since " + st.Running.StartedAt.UTC().Format(time.RFC3339)
	}
	if t := cs.LastTerminationState.Terminated; t != nil {
		s += fmt.Sprintf("; last exit: %s (exit code %d)", t.Reason, t.ExitCode)
	}
	return strings.TrimSpace(s)
}

func deploymentConditions(d *appsv1.Deployment) string {
	var parts []string
	for _, c := range d.Status.Conditions {
		parts = append(parts, fmt.Sprintf("%s=%s %s: %s", c.Type, c.Status, c.Reason, c.Message))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

// logTail returns the last log lines of a container, indented, or why there are none.
func (c *clients) logTail(ctx context.Context, pod, container string) string {
	lines := int64(logTailLines)
	req := c.kube.CoreV1().Pods(Namespace).GetLogs(pod, &corev1.PodLogOptions{Container: container, TailLines: &lines})
	stream, err := req.Stream(ctx)
	if err != nil {
		return "    (no logs: " + err.Error() + ")\n"
	}
	defer stream.Close()
	data, err := io.ReadAll(io.LimitReader(stream, 64<<10))
	if err != nil {
		return "    (reading logs: " + err.Error() + ")\n"
	}
	text := strings.TrimRight(string(data), "\n")
	if text == "" {
		return "    (empty)\n"
	}
	return "    " + strings.ReplaceAll(text, "\n", "\n    ") + "\n"
}
