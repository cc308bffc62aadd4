package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// envtest runs no controllers, so these tests play the Deployment controller: once the action
// has scaled, they write the status a real controller would.

func TestWaitForReadyEndsWhenTheNewReplicasAreReady(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	sb.NewDeployment(t, "web", 1)
	done := playDeploymentController(t, sb, "web", 3, func(st *appsv1.DeploymentStatus) {
		st.Replicas, st.UpdatedReplicas, st.ReadyReplicas, st.AvailableReplicas = 3, 3, 3, 3
	})

	r := runAction(t, sb, map[string]any{"deployment": "web", "replicas": 3}) // waitForReady defaults to true

	actiontesting.MustSucceed(t, r)
	<-done
	actiontesting.DiffOutputs(t, map[string]any{
		"deployment": "web", "namespace": sb.Namespace, "previousReplicas": 1, "replicas": 3,
		"actualReplicas": 3, "changed": true, "dryRun": false,
	}, r)
}

func TestWaitForReadyGivesUpWithTheProgressWhenTheStepEnds(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	d := sb.NewDeployment(t, "web", 1)
	// The status the controller will report once it has seen the scale (the next generation):
	// two of the three pods never become ready. Written before the action runs, so that its
	// first read already sees it, whatever the machine's load.
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation + 1, Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 1}
	if _, err := sb.Admin.AppsV1().Deployments(sb.Namespace).UpdateStatus(context.Background(), d, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("write the deployment's status: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second) // the step's deadline
	defer cancel()

	r := runAction(t, sb, map[string]any{"deployment": "web", "replicas": 3}, actiontest.WithContext(ctx))

	if r.ExitCode != 1 {
		t.Fatalf("exit code %d, want 1; stderr:\n%s", r.ExitCode, r.Stderr)
	}
	want := "gave up waiting for deployment " + sb.Namespace + "/web to have 3 ready replicas (1/3 ready, 3 updated, 3 existing)"
	if !strings.Contains(r.Stderr, want) {
		t.Errorf("stderr does not contain %q:\n%s", want, r.Stderr)
	}
	if got := *sb.GetDeployment(t, "web").Spec.Replicas; got != 3 {
		t.Errorf("spec.replicas = %d; the scale must stay done when the wait gives up", got)
	}
}

func TestWaitForReadyFailsAtOnceWhenSomeoneElseChangesTheReplicas(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	sb.NewDeployment(t, "web", 1)
	rescaled := make(chan struct{})
	go func() { // an autoscaler that disagrees, right after the action scaled
		defer close(rescaled)
		waitForSpecReplicas(t, sb, "web", 3)
		scale, err := sb.Admin.AppsV1().Deployments(sb.Namespace).GetScale(context.Background(), "web", metav1.GetOptions{})
		if err == nil {
			scale.Spec.Replicas = 5
			_, err = sb.Admin.AppsV1().Deployments(sb.Namespace).UpdateScale(context.Background(), "web", scale, metav1.UpdateOptions{})
		}
		if err != nil {
			t.Errorf("rescale to 5: %v", err)
		}
	}()

	r := runAction(t, sb, map[string]any{"deployment": "web", "replicas": 3}, actiontest.WithContext(kubetest.Context(t)))

	<-rescaled
	if r.ExitCode != 1 {
		t.Fatalf("exit code %d, want 1; stderr:\n%s", r.ExitCode, r.Stderr)
	}
	if want := "changed to 5 while waiting for 3"; !strings.Contains(r.Stderr, want) {
		t.Errorf("stderr does not contain %q:\n%s", want, r.Stderr)
	}
}

// playDeploymentController waits until spec.replicas of the Deployment is want, then writes
// the status that setStatus fills in, with the current observedGeneration. The returned channel
// is closed when it is done.
func playDeploymentController(t *testing.T, sb *kubetest.Sandbox, name string, want int32, setStatus func(*appsv1.DeploymentStatus)) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		d := waitForSpecReplicas(t, sb, name, want)
		if d == nil {
			return
		}
		d.Status.ObservedGeneration = d.Generation
		setStatus(&d.Status)
		if _, err := sb.Admin.AppsV1().Deployments(sb.Namespace).UpdateStatus(context.Background(), d, metav1.UpdateOptions{}); err != nil {
			t.Errorf("write the deployment's status: %v", err)
		}
	}()
	return done
}

// waitForSpecReplicas polls until the Deployment's spec.replicas is want and returns it, or
// reports an error and returns nil after 30 seconds.
func waitForSpecReplicas(t *testing.T, sb *kubetest.Sandbox, name string, want int32) *appsv1.Deployment {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		d, err := sb.Admin.AppsV1().Deployments(sb.Namespace).Get(context.Background(), name, metav1.GetOptions{})
		if err == nil && ptr.Deref(d.Spec.Replicas, 1) == want {
			return d
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("deployment %s never reached spec.replicas %d", name, want)
	return nil
}

// deployment is shop/web at generation, with observed as status.observedGeneration.
func deployment(generation, observed int64, spec int32, st appsv1.DeploymentStatus) *appsv1.Deployment {
	st.ObservedGeneration = observed
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web", Generation: generation},
		Spec:       appsv1.DeploymentSpec{Replicas: ptr.To(spec)},
		Status:     st,
	}
}

func TestRolloutProgress(t *testing.T) {
	tests := []struct {
		name         string
		d            *appsv1.Deployment
		wantDone     bool
		wantProgress string
		wantErr      string
	}{{
		name:         "a spec the controller has not seen yet is not done",
		d:            deployment(2, 1, 3, appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 3}),
		wantProgress: "waiting for the deployment controller to observe generation 2 (observed 1)",
	}, {
		name:         "pods still starting are not done",
		d:            deployment(2, 2, 3, appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 1}),
		wantProgress: "1/3 ready, 3 updated, 3 existing",
	}, {
		name:         "surplus pods still terminating after a scale-down are not done",
		d:            deployment(2, 2, 1, appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 1, ReadyReplicas: 1}),
		wantProgress: "1/1 ready, 1 updated, 3 existing",
	}, {
		name:         "exactly the wanted pods, all updated and ready, is done",
		d:            deployment(2, 2, 3, appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 3}),
		wantDone:     true,
		wantProgress: "3/3 ready, 3 updated, 3 existing",
	}, {
		name:         "scaled to zero with no pods left is done",
		d:            deployment(2, 2, 0, appsv1.DeploymentStatus{}),
		wantDone:     true,
		wantProgress: "0/0 ready, 0 updated, 0 existing",
	}, {
		name:    "a spec changed by someone else is an error",
		d:       deployment(3, 3, 5, appsv1.DeploymentStatus{}),
		wantErr: "spec.replicas of deployment shop/web changed to 5 while waiting for 3",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := *tt.d.Spec.Replicas
			if tt.wantErr != "" {
				want = 3
			}
			done, progress, err := rolloutProgress(tt.d, want)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if !strings.Contains(gotErr, tt.wantErr) || (tt.wantErr == "") != (err == nil) {
				t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
			}
			if diff := cmp.Diff([]any{tt.wantDone, tt.wantProgress}, []any{done, progress}); diff != "" {
				t.Errorf("(done, progress) (-want +got):\n%s", diff)
			}
		})
	}
}
