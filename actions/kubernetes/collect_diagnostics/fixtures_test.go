package main

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
)

// A sick Deployment as the controllers would leave it (envtest runs none, so the test writes
// what they would): payment-service with 2 replicas, one ReplicaSet, one ready pod and one in
// CrashLoopBackOff after being OOMKilled on a node that is gone since, plus a pod with the same labels that belongs to
// someone else, and events about all of them and about a pod that is already gone.

const (
	deploymentName = "payment-service"
	replicaSetName = "payment-service-7d9f8"
	readyPod       = "payment-service-7d9f8-aaaaa"
	crashingPod    = "payment-service-7d9f8-bbbbb"
	strangerPod    = "payment-service-debug"
	gonePod        = "payment-service-7d9f8-zzzzz"
	goneNode       = "node-gone"
)

var appLabels = map[string]string{"app": deploymentName}

// eventAt is a fixed time for the events, so their order is known.
var eventAt = time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)

func arrangeSickDeployment(t *testing.T, sb *kubetest.Sandbox) {
	t.Helper()
	apps := sb.Admin.AppsV1()
	d, err := apps.Deployments(sb.Namespace).Create(background, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: deploymentName},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: appLabels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: appLabels}, Spec: podSpec()},
		},
	}, metav1.CreateOptions{})
	check(t, err, "create the deployment")
	rs, err := apps.ReplicaSets(sb.Namespace).Create(background, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: replicaSetName, Labels: appLabels, OwnerReferences: []metav1.OwnerReference{
			*metav1.NewControllerRef(d, appsv1.SchemeGroupVersion.WithKind("Deployment")),
		}},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: appLabels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: appLabels}, Spec: podSpec()},
		},
	}, metav1.CreateOptions{})
	check(t, err, "create the replicaset")
	owner := *metav1.NewControllerRef(rs, appsv1.SchemeGroupVersion.WithKind("ReplicaSet"))
	createPod(t, sb, readyPod, &owner, "", readyStatus())
	createPod(t, sb, crashingPod, &owner, goneNode, crashLoopStatus())
	createPod(t, sb, strangerPod, nil, "", readyStatus())
	for _, e := range []struct{ kind, name, typ, reason, message string }{
		{"Deployment", deploymentName, "Normal", "ScalingReplicaSet", "Scaled up replica set " + replicaSetName + " to 2"},
		{"ReplicaSet", replicaSetName, "Warning", "FailedCreate", "pods is forbidden: exceeded quota: compute"},
		{"Pod", crashingPod, "Warning", "BackOff", "Back-off restarting failed container app"},
		{"Pod", gonePod, "Warning", "Evicted", "The node was low on resource: memory."},
		{"Pod", strangerPod, "Warning", "Unhealthy", "someone else's pod"},
		{"Deployment", "billing", "Warning", "Unrelated", "another deployment"},
	} {
		createEvent(t, sb, e.kind, e.name, e.typ, e.reason, e.message)
	}
}

func podSpec() corev1.PodSpec {
	return corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/payment:1.4"}}}
}

// createPod creates a pod on node. The API server serves the log of a pod without a node as
// empty, and fails to serve one whose node it cannot find, which is how these tests get both
// a log file and a log error without a kubelet.
func createPod(t *testing.T, sb *kubetest.Sandbox, name string, owner *metav1.OwnerReference, node string, status corev1.PodStatus) {
	t.Helper()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: appLabels}, Spec: podSpec()}
	pod.Spec.NodeName = node
	if owner != nil {
		pod.OwnerReferences = []metav1.OwnerReference{*owner}
	}
	created, err := sb.Admin.CoreV1().Pods(sb.Namespace).Create(background, pod, metav1.CreateOptions{})
	check(t, err, "create pod "+name)
	created.Status = status
	_, err = sb.Admin.CoreV1().Pods(sb.Namespace).UpdateStatus(background, created, metav1.UpdateOptions{})
	check(t, err, "write the status of pod "+name)
}

func readyStatus() corev1.PodStatus {
	return corev1.PodStatus{
		Phase:             corev1.PodRunning,
		Conditions:        []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Ready: true, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(eventAt)}}}},
	}
}

func crashLoopStatus() corev1.PodStatus {
	return corev1.PodStatus{
		Phase:      corev1.PodRunning,
		Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "ContainersNotReady"}},
		ContainerStatuses: []corev1.ContainerStatus{{
			Name: "app", RestartCount: 3,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 40s restarting failed container"}},
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				Reason: "OOMKilled", ExitCode: 137, FinishedAt: metav1.NewTime(eventAt),
			}},
		}},
	}
}

func createEvent(t *testing.T, sb *kubetest.Sandbox, kind, name, typ, reason, message string) {
	t.Helper()
	_, err := sb.Admin.CoreV1().Events(sb.Namespace).Create(background, &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{GenerateName: name + "."},
		InvolvedObject: corev1.ObjectReference{Kind: kind, Name: name, Namespace: sb.Namespace},
		Type:           typ,
		Reason:         reason,
		Message:        message,
		Count:          1,
		FirstTimestamp: metav1.NewTime(eventAt),
		LastTimestamp:  metav1.NewTime(eventAt),
		Source:         corev1.EventSource{Component: "kubetest"},
	}, metav1.CreateOptions{})
	check(t, err, "create an event about "+name)
}

// check fails the test when err is not nil.
func check(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
