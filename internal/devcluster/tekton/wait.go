package tekton

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
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/wait"
)

// ErrNotAvailable: a Tekton Deployment did not become available in time.
var ErrNotAvailable = errors.New("tekton did not become available")

// deploymentRef names a Deployment Install waits for.
type deploymentRef struct{ namespace, name string }

func (d deploymentRef) String() string { return d.namespace + "/" + d.name }

// deployments are the four long-running components of the release.
var deployments = []deploymentRef{
	{Namespace, "tekton-pipelines-controller"},
	{Namespace, "tekton-pipelines-webhook"},
	{Namespace, "tekton-events-controller"},
	{ResolversNamespace, "tekton-pipelines-remote-resolvers"},
}

// waitAvailable waits until each Deployment's latest pod template is rolled out and available,
// reporting when each one got there. On timeout the error describes the Deployment, its pods and
// its ReplicaSets' events: pods refused at creation (by PodSecurity, say) show up only there.
func (c *clients) waitAvailable(ctx context.Context, began time.Time, timeout time.Duration, progress io.Writer) error {
	deadline := time.Now().Add(timeout)
	for _, ref := range deployments {
		var d *appsv1.Deployment
		last := "not found"
		err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, time.Until(deadline), true, func(ctx context.Context) (bool, error) {
			got, err := c.kube.AppsV1().Deployments(ref.namespace).Get(ctx, ref.name, metav1.GetOptions{})
			if err != nil {
				last = err.Error()
				return false, nil
			}
			d = got
			done, why := rolloutState(d)
			last = why
			return done, nil
		})
		if err != nil {
			diagCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
			defer cancel()
			return fmt.Errorf("%w: Deployment %s after %s: %s\n%s", ErrNotAvailable, ref, timeout, last, c.diagnose(diagCtx, ref, d))
		}
		progressf(progress, "tekton: Deployment %-52s available at +%.1fs", ref, time.Since(began).Seconds())
	}
	return nil
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

// diagnose describes a Deployment that is not available: its conditions, each pod's containers
// and the events of its ReplicaSets.
func (c *clients) diagnose(ctx context.Context, ref deploymentRef, d *appsv1.Deployment) string {
	if d == nil {
		return "(the Deployment could not be read)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Deployment %s conditions: %s\n", ref, deploymentConditions(d))
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return b.String() + err.Error()
	}
	pods, err := c.kube.CoreV1().Pods(ref.namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return b.String() + "listing its pods: " + err.Error()
	}
	if len(pods.Items) == 0 {
		b.WriteString("no pods\n")
	}
	for _, p := range pods.Items {
		b.WriteString(describePod(&p))
	}
	sets, err := c.kube.AppsV1().ReplicaSets(ref.namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return b.String() + "listing its ReplicaSets: " + err.Error()
	}
	for _, rs := range sets.Items {
		b.WriteString(c.eventsOf(ctx, "ReplicaSet", rs.Namespace, rs.Name))
	}
	return b.String()
}

// eventsOf renders the events of one object, oldest first, as `kubectl describe` lists them.
func (c *clients) eventsOf(ctx context.Context, kind, namespace, name string) string {
	sel := fields.Set{"involvedObject.kind": kind, "involvedObject.name": name}.String()
	events, err := c.kube.CoreV1().Events(namespace).List(ctx, metav1.ListOptions{FieldSelector: sel})
	if err != nil {
		return fmt.Sprintf("events of %s %s: %v\n", kind, name, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "events of %s %s/%s:\n", kind, namespace, name)
	if len(events.Items) == 0 {
		b.WriteString("  none\n")
	}
	for _, e := range events.Items {
		fmt.Fprintf(&b, "  %s %s (x%d): %s\n", e.Type, e.Reason, max(e.Count, 1), e.Message)
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
	for _, cs := range append(p.Status.InitContainerStatuses, p.Status.ContainerStatuses...) {
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
