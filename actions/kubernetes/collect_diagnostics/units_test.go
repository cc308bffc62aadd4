package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestParseResource(t *testing.T) {
	tests := []struct {
		in, wantKind, wantName, wantErr string
	}{
		{in: "deployment/payment-service", wantKind: "deployment", wantName: "payment-service"},
		{in: "deploy/web", wantKind: "deployment", wantName: "web"},
		{in: "Deployments/web", wantKind: "deployment", wantName: "web"},
		{in: "po/web-0", wantKind: "pod", wantName: "web-0"},
		{in: "pods/web.v2", wantKind: "pod", wantName: "web.v2"},
		{in: "web", wantErr: "must be kind/name"},
		{in: "pod/", wantErr: "must be kind/name"},
		{in: "statefulset/db", wantErr: `kind "statefulset" is not supported; use deployment or pod`},
		{in: "pod/Web_0", wantErr: "is not an object name"},
		{in: "pod/a/b", wantErr: "is not an object name"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			kind, name, err := parseResource(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{tt.wantKind, tt.wantName}, []string{kind, name}); diff != "" {
				t.Errorf("(kind, name) (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLogRequestsPutPodsThatAreNotReadyFirstAndStopAtTheCap(t *testing.T) {
	var pods []corev1.Pod
	for i := range maxLogPods + 5 {
		pods = append(pods, testPod(fmt.Sprintf("ready-%02d", i), true, 0))
	}
	pods = append(pods, testPod("sick", false, 2))

	reqs := logRequests(pods)

	// Two containers of maxLogPods pods, plus the previous run of the sick pod's app.
	if want := 2*maxLogPods + 1; len(reqs) != want {
		t.Fatalf("%d log requests, want %d", len(reqs), want)
	}
	want := []logRequest{{pod: "sick", container: "init"}, {pod: "sick", container: "app"}, {pod: "sick", container: "app", previous: true}}
	if diff := cmp.Diff(want, reqs[:3], cmp.AllowUnexported(logRequest{})); diff != "" {
		t.Errorf("first requests (-want +got):\n%s", diff)
	}
}

func TestLogsAreWrittenOnePerContainerRun(t *testing.T) {
	// client-go's fake serves every log as "fake logs"; what is under test is which logs are
	// asked for and where they go.
	client := fake.NewClientset()
	ws := t.TempDir()
	root, err := os.OpenRoot(ws)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if err := root.MkdirAll("d/logs", 0o755); err != nil {
		t.Fatal(err)
	}

	files, failures, err := collectLogs(t.Context(), client, root, "shop", "d/logs", 50, logRequests([]corev1.Pod{testPod("web-1", false, 1)}))

	if err != nil || len(failures) != 0 || files != 3 {
		t.Fatalf("collectLogs = %d files, failures %v, error %v; want 3 files", files, failures, err)
	}
	for _, name := range []string{"web-1_init.log", "web-1_app.log", "web-1_app.previous.log"} {
		if data, err := os.ReadFile(filepath.Join(ws, "d", "logs", name)); err != nil || string(data) != "fake logs" {
			t.Errorf("%s: %q, %v", name, data, err)
		}
	}
}

func TestEventsWithoutAnyTimestampStillSortAndPrint(t *testing.T) {
	created := metav1.NewTime(eventAt)
	events := []corev1.Event{
		{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: created}, Type: "Normal", Reason: "Late", Message: "multi\nline   message",
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "p"}},
		{EventTime: metav1.NewMicroTime(eventAt.Add(-1)), Type: "Warning", Reason: "Early", Count: 0,
			Series: &corev1.EventSeries{Count: 7}, InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "p"}},
	}
	sortEvents(events)

	got := string(formatEvents(events))

	if !strings.Contains(got, "Early") || strings.Index(got, "Early") > strings.Index(got, "Late") {
		t.Errorf("events not oldest first:\n%s", got)
	}
	for _, want := range []string{"multi line message", "pod/p", " 7 "} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

// testPod is a pod with an init container and an app container whose readiness and restarts
// are given.
func testPod(name string, ready bool, restarts int32) corev1.Pod {
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	return corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "init"}},
			Containers:     []corev1.Container{{Name: "app"}},
		},
		Status: corev1.PodStatus{
			Conditions:        []corev1.PodCondition{{Type: corev1.PodReady, Status: status}},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "app", RestartCount: restarts}},
		},
	}
}
