package main

import (
	"bytes"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// podReady reports whether the pod's Ready condition is true.
func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// countReady counts the ready pods.
func countReady(pods []corev1.Pod) int {
	n := 0
	for i := range pods {
		if podReady(&pods[i]) {
			n++
		}
	}
	return n
}

// formatPods renders one table row per pod, in the manner of `kubectl get pods -o wide`, then
// the state of every container: the waiting or termination reasons (CrashLoopBackOff,
// OOMKilled, ImagePullBackOff) are usually the diagnosis.
func formatPods(pods []corev1.Pod) []byte {
	var buf bytes.Buffer
	if len(pods) == 0 {
		buf.WriteString("No pods.\n")
		return buf.Bytes()
	}
	w := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tPHASE\tREADY\tRESTARTS\tNODE\tSTARTED\tREASON")
	for i := range pods {
		p := &pods[i]
		ready, restarts := 0, int32(0)
		for _, s := range p.Status.ContainerStatuses {
			if s.Ready {
				ready++
			}
			restarts += s.RestartCount
		}
		fmt.Fprintf(w, "%s\t%s\t%d/%d\t%d\t%s\t%s\t%s\n", p.Name, orNone(string(p.Status.Phase)), ready,
			len(p.Spec.Containers), restarts, orNone(p.Spec.NodeName), startTime(p), orNone(p.Status.Reason))
	}
	_ = w.Flush() // writes to a bytes.Buffer, which cannot fail
	for i := range pods {
		writeContainers(&buf, &pods[i])
	}
	return buf.Bytes()
}

// writeContainers writes one line per container of p (init containers first) with its state.
func writeContainers(buf *bytes.Buffer, p *corev1.Pod) {
	fmt.Fprintf(buf, "\npod %s:\n", p.Name)
	if c := conditionsNotTrue(p); c != "" {
		fmt.Fprintf(buf, "  conditions not true: %s\n", c)
	}
	statuses := map[string]corev1.ContainerStatus{}
	for _, s := range append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
		statuses[s.Name] = s
	}
	for _, c := range allContainers(p) {
		s, ok := statuses[c.Name]
		if !ok {
			fmt.Fprintf(buf, "  %s %s (%s): no status reported\n", c.kind, c.Name, c.Image)
			continue
		}
		fmt.Fprintf(buf, "  %s %s (%s): %s, ready %t, restarts %d", c.kind, c.Name, c.Image, state(s.State), s.Ready, s.RestartCount)
		if s.LastTerminationState.Terminated != nil {
			fmt.Fprintf(buf, ", last %s", state(s.LastTerminationState))
		}
		buf.WriteString("\n")
	}
}

// state describes a container state in a few words.
func state(s corev1.ContainerState) string {
	switch {
	case s.Running != nil:
		return "running since " + s.Running.StartedAt.UTC().Format(time.RFC3339)
	case s.Waiting != nil:
		return "waiting: " + withDetail(s.Waiting.Reason, s.Waiting.Message)
	case s.Terminated != nil:
		t := s.Terminated
		return fmt.Sprintf("terminated: %s at %s", withDetail(t.Reason, fmt.Sprintf("exit code %d", t.ExitCode), t.Message),
			t.FinishedAt.UTC().Format(time.RFC3339))
	}
	return "unknown"
}

// conditionsNotTrue lists the pod's conditions that are not true, with their reasons.
func conditionsNotTrue(p *corev1.Pod) string {
	var parts []string
	for _, c := range p.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			parts = append(parts, withDetail(string(c.Type), c.Reason, c.Message))
		}
	}
	return strings.Join(parts, "; ")
}

// container is a container of a pod with its kind, for messages and file names.
type container struct {
	kind string // "init container" or "container"
	corev1.Container
}

// allContainers lists the pod's init containers, then its containers.
func allContainers(p *corev1.Pod) []container {
	var all []container
	for _, c := range p.Spec.InitContainers {
		all = append(all, container{"init container", c})
	}
	for _, c := range p.Spec.Containers {
		all = append(all, container{"container", c})
	}
	return all
}

// withDetail renders "head (d1: d2)" with the non-empty details on one line, or just head.
func withDetail(head string, details ...string) string {
	var kept []string
	for _, d := range details {
		if d = oneLine(d); d != "" {
			kept = append(kept, d)
		}
	}
	if len(kept) == 0 {
		return head
	}
	return head + " (" + strings.Join(kept, ": ") + ")"
}

func startTime(p *corev1.Pod) string {
	if p.Status.StartTime == nil {
		return "<none>"
	}
	return p.Status.StartTime.UTC().Format(time.RFC3339)
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}
