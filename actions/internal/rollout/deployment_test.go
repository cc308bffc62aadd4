package rollout

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestDeploymentProgress(t *testing.T) {
	deployment := func(generation, observed int64, st appsv1.DeploymentStatus) *appsv1.Deployment {
		st.ObservedGeneration = observed
		return &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web", Generation: generation},
			Spec:       appsv1.DeploymentSpec{Replicas: ptr.To[int32](3)},
			Status:     st,
		}
	}
	tests := []struct {
		name         string
		d            *appsv1.Deployment
		wantDone     bool
		wantProgress string
		wantErr      string
	}{{
		name:         "a generation the controller has not observed is not done",
		d:            deployment(2, 1, appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, AvailableReplicas: 3}),
		wantProgress: "waiting for the deployment controller to observe generation 2 (observed 1)",
	}, {
		name:         "replicas of the new template still missing are not done",
		d:            deployment(2, 2, appsv1.DeploymentStatus{Replicas: 4, UpdatedReplicas: 1, AvailableReplicas: 3}),
		wantProgress: "1/3 updated, 3 available, 4 existing",
	}, {
		name:         "old replicas pending termination are not done",
		d:            deployment(2, 2, appsv1.DeploymentStatus{Replicas: 4, UpdatedReplicas: 3, AvailableReplicas: 3}),
		wantProgress: "3/3 updated, 3 available, 4 existing",
	}, {
		name:         "updated replicas not yet available are not done",
		d:            deployment(2, 2, appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, AvailableReplicas: 2}),
		wantProgress: "3/3 updated, 2 available, 3 existing",
	}, {
		name:         "every replica updated and available is done",
		d:            deployment(2, 2, appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, AvailableReplicas: 3}),
		wantDone:     true,
		wantProgress: "3/3 updated, 3 available, 3 existing",
	}, {
		name: "an exceeded progress deadline is an error",
		d: deployment(2, 2, appsv1.DeploymentStatus{Conditions: []appsv1.DeploymentCondition{{
			Type: appsv1.DeploymentProgressing, Status: "False", Reason: "ProgressDeadlineExceeded", Message: "timed out",
		}}}),
		wantErr: "the rollout of deployment shop/web exceeded its progress deadline: timed out",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done, progress, err := DeploymentProgress(tt.d)

			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if (tt.wantErr == "") != (err == nil) || !strings.Contains(gotErr, tt.wantErr) {
				t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
			}
			if diff := cmp.Diff([]any{tt.wantDone, tt.wantProgress}, []any{done, progress}); diff != "" {
				t.Errorf("(done, progress) (-want +got):\n%s", diff)
			}
		})
	}
}
