package workflowexecution

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// A step pod counts as finished, and so may be deleted to free the workspace, once its phase is
// terminal or every container has terminated: the step can end on the container's end before
// the kubelet reports the phase.
func TestPodFinished(t *testing.T) {
	terminated := corev1.ContainerStatus{Name: "action", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{}}}
	running := corev1.ContainerStatus{Name: "action", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	for _, tc := range []struct {
		name   string
		status corev1.PodStatus
		want   bool
	}{
		{"succeeded", corev1.PodStatus{Phase: corev1.PodSucceeded}, true},
		{"failed", corev1.PodStatus{Phase: corev1.PodFailed}, true},
		{"running, its only container terminated", corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{terminated}}, true},
		{"running, one of two containers still running", corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{terminated, running}}, false},
		{"running, no container status yet", corev1.PodStatus{Phase: corev1.PodRunning}, false},
		{"pending", corev1.PodStatus{Phase: corev1.PodPending}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := podFinished(&corev1.Pod{Status: tc.status}); got != tc.want {
				t.Errorf("podFinished = %v, want %v", got, tc.want)
			}
		})
	}
}
