package kubeapply

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

func TestRolloutStateFollowsKubectlRolloutStatus(t *testing.T) {
	two := int32(2)
	for _, tc := range []struct {
		name     string
		gen      int64
		status   appsv1.DeploymentStatus
		wantDone bool
		wantWhy  string
	}{
		{"a spec the controller has not observed is not rolled out", 3,
			appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 2, UpdatedReplicas: 2, AvailableReplicas: 2}, false, "not seen the new spec"},
		{"too few updated replicas are not rolled out", 3,
			appsv1.DeploymentStatus{ObservedGeneration: 3, Replicas: 2, UpdatedReplicas: 1, AvailableReplicas: 2}, false, "1 of 2 replicas updated"},
		{"old replicas still running are not rolled out", 3,
			appsv1.DeploymentStatus{ObservedGeneration: 3, Replicas: 3, UpdatedReplicas: 2, AvailableReplicas: 2}, false, "1 old replicas"},
		{"updated but unavailable replicas are not rolled out", 3,
			appsv1.DeploymentStatus{ObservedGeneration: 3, Replicas: 2, UpdatedReplicas: 2, AvailableReplicas: 1}, false, "1 of 2 updated replicas available"},
		{"all replicas updated and available are rolled out", 3,
			appsv1.DeploymentStatus{ObservedGeneration: 3, Replicas: 2, UpdatedReplicas: 2, AvailableReplicas: 2}, true, "available"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Replicas: &two}, Status: tc.status}
			d.Generation = tc.gen
			done, why := RolloutState(d)
			if done != tc.wantDone || !strings.Contains(why, tc.wantWhy) {
				t.Errorf("rolloutState = %t, %q; want %t, %q", done, why, tc.wantDone, tc.wantWhy)
			}
		})
	}
}

func TestAFailingPodIsDescribedWithItsContainerStates(t *testing.T) {
	pod := &corev1.Pod{Status: corev1.PodStatus{
		Phase:      corev1.PodPending,
		Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "ContainersNotReady"}},
		InitContainerStatuses: []corev1.ContainerStatus{{Name: "registry-forwarder", Ready: true,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}},
		ContainerStatuses: []corev1.ContainerStatus{{Name: "manager", RestartCount: 3,
			State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 40s"}},
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 1}}}},
	}}
	pod.Name = "kubernaut-manager-abc"
	got := DescribePod(pod)
	for _, want := range []string{
		"pod kubernaut-manager-abc: Pending; Ready=False ContainersNotReady",
		"init container registry-forwarder: ready=true restarts=0, running since",
		"container manager: ready=false restarts=3, waiting: CrashLoopBackOff back-off 40s; last exit: Error (exit code 1)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("description lacks %q:\n%s", want, got)
		}
	}
}
