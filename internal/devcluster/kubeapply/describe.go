package kubeapply

import (
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// RolloutState says whether d's current generation is fully rolled out and available, and if
// not, what is still missing (the checks of `kubectl rollout status`).
func RolloutState(d *appsv1.Deployment) (bool, string) {
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

// DescribePod renders a pod's phase, unmet conditions and container states, one per line.
func DescribePod(p *corev1.Pod) string {
	var b strings.Builder
	fmt.Fprintf(&b, "pod %s: %s", p.Name, p.Status.Phase)
	for _, c := range p.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			fmt.Fprintf(&b, "; %s=%s %s %s", c.Type, c.Status, c.Reason, c.Message)
		}
	}
	b.WriteString("\n")
	for _, cs := range p.Status.InitContainerStatuses {
		fmt.Fprintf(&b, "  init container %s\n", DescribeContainer(cs))
	}
	for _, cs := range p.Status.ContainerStatuses {
		fmt.Fprintf(&b, "  container %s\n", DescribeContainer(cs))
	}
	return b.String()
}

// DescribeContainer renders one container's state as `kubectl describe` would summarise it.
func DescribeContainer(cs corev1.ContainerStatus) string {
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

// DeploymentConditions renders a Deployment's conditions on one line, "none" when it has none.
func DeploymentConditions(d *appsv1.Deployment) string {
	var parts []string
	for _, c := range d.Status.Conditions {
		parts = append(parts, fmt.Sprintf("%s=%s %s: %s", c.Type, c.Status, c.Reason, c.Message))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}
