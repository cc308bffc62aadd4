package rollout

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDaemonSetProgress(t *testing.T) {
	daemonSet := func(generation, observed int64, desired, updated, available int32) *appsv1.DaemonSet {
		return &appsv1.DaemonSet{
			ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "agent", Generation: generation},
			Status: appsv1.DaemonSetStatus{ObservedGeneration: observed, DesiredNumberScheduled: desired,
				UpdatedNumberScheduled: updated, NumberAvailable: available},
		}
	}
	tests := []struct {
		name         string
		d            *appsv1.DaemonSet
		wantDone     bool
		wantProgress string
	}{
		{"a generation the controller has not observed is not done", daemonSet(2, 1, 3, 3, 3), false,
			"waiting for the daemonset controller to observe generation 2 (observed 1)"},
		{"nodes still running the old pod are not done", daemonSet(2, 2, 3, 1, 3), false, "1/3 updated, 3 available"},
		{"updated pods not yet available are not done", daemonSet(2, 2, 3, 3, 2), false, "3/3 updated, 2 available"},
		{"every node updated and available is done", daemonSet(2, 2, 3, 3, 3), true, "3/3 updated, 3 available"},
		{"a DaemonSet that fits no node is done", daemonSet(2, 2, 0, 0, 0), true, "0/0 updated, 0 available"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done, progress := DaemonSetProgress(tt.d)

			if diff := cmp.Diff([]any{tt.wantDone, tt.wantProgress}, []any{done, progress}); diff != "" {
				t.Errorf("(done, progress) (-want +got):\n%s", diff)
			}
		})
	}
}
