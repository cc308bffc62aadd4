package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// A podEdit makes a Deployment's pod template read a Secret in one of the ways a pod can.
type podEdit func(*corev1.PodSpec)

func envFromSecret(name string) podEdit {
	return func(s *corev1.PodSpec) {
		s.Containers[0].EnvFrom = []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: name}}}}
	}
}

func envKeyOfSecret(name string) podEdit {
	return func(s *corev1.PodSpec) {
		s.Containers[0].Env = []corev1.EnvVar{{Name: "DB_PASSWORD", ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: "password"},
		}}}
	}
}

func initContainerEnvKeyOfSecret(name string) podEdit {
	return func(s *corev1.PodSpec) {
		s.InitContainers = []corev1.Container{{Name: "migrate", Image: kubetest.AppImage}}
		envKeyOfSecret(name)(&corev1.PodSpec{Containers: s.InitContainers})
	}
}

func secretVolume(name string) podEdit {
	return func(s *corev1.PodSpec) {
		s.Volumes = []corev1.Volume{{Name: "creds", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: name}}}}
	}
}

func projectedVolume(name string) podEdit {
	return func(s *corev1.PodSpec) {
		s.Volumes = []corev1.Volume{{Name: "all", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
			Sources: []corev1.VolumeProjection{{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: name}}}},
		}}}}
	}
}

// newDeploymentReading creates a Deployment named name whose pod template edit makes read a
// Secret (or nothing, without an edit).
func newDeploymentReading(t *testing.T, sb *kubetest.Sandbox, name string, edits ...podEdit) *appsv1.Deployment {
	t.Helper()
	d := sb.NewDeployment(t, name, 1)
	for _, edit := range edits {
		edit(&d.Spec.Template.Spec)
	}
	updated, err := sb.Admin.AppsV1().Deployments(sb.Namespace).Update(context.Background(), d, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update deployment %s: %v", name, err)
	}
	return updated
}

func TestRestartDependentsRestartsExactlyTheDeploymentsThatReadTheSecret(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	before := newSecret(t, sb, dbCredentials())
	newDeploymentReading(t, sb, "env-from", envFromSecret("db-credentials"))
	newDeploymentReading(t, sb, "env-key", envKeyOfSecret("db-credentials"))
	newDeploymentReading(t, sb, "init-env-key", initContainerEnvKeyOfSecret("db-credentials"))
	newDeploymentReading(t, sb, "volume", secretVolume("db-credentials"))
	newDeploymentReading(t, sb, "projected", projectedVolume("db-credentials"))
	untouched := map[string]*appsv1.Deployment{
		"other-secret": newDeploymentReading(t, sb, "other-secret", envFromSecret("cache-credentials"), secretVolume("tls")),
		"no-secret":    newDeploymentReading(t, sb, "no-secret"),
	}

	r := runAction(t, sb, map[string]any{"secret": "db-credentials", "keys": []any{"password"}, "restartDependents": true, "waitForRollout": false})

	actiontesting.MustSucceed(t, r)
	if diff := cmp.Diff([]any{"env-from", "env-key", "init-env-key", "projected", "volume"}, r.Outputs["restartedDeployments"]); diff != "" {
		t.Errorf("restartedDeployments (-want +got):\n%s", diff)
	}
	for _, name := range []string{"env-from", "env-key", "init-env-key", "projected", "volume"} {
		if got := sb.GetDeployment(t, name).Spec.Template.Annotations[restartedAtAnnotation]; got != "2026-11-26T04:00:00Z" {
			t.Errorf("deployment %s: %s = %q, want the restart's time", name, restartedAtAnnotation, got)
		}
	}
	for name, d := range untouched {
		if after := sb.GetDeployment(t, name); after.ResourceVersion != d.ResourceVersion {
			t.Errorf("deployment %s, which does not read the Secret, was changed", name)
		}
	}
	expectNoValueLeaked(t, r, before, getSecret(t, sb, "db-credentials"))
}

func TestRestartDependentsWaitsForTheRollout(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newSecret(t, sb, dbCredentials())
	d := newDeploymentReading(t, sb, "api", envFromSecret("db-credentials"))
	done := sb.PlayDeploymentController(t, "api", d.Generation+1, kubetest.Rollout{Status: appsv1.DeploymentStatus{
		Replicas: 1, UpdatedReplicas: 1, ReadyReplicas: 1, AvailableReplicas: 1,
	}})

	r := runAction(t, sb, map[string]any{"secret": "db-credentials", "keys": []any{"password"}, "restartDependents": true},
		actiontest.WithContext(kubetest.Context(t)))

	<-done
	actiontesting.MustSucceed(t, r)
	if !strings.Contains(r.Stderr, "deployment "+sb.Namespace+"/api: 1/1 updated, 1 available, 1 existing") {
		t.Errorf("the log does not show the wait for the rollout:\n%s", r.Stderr)
	}
}

func TestAFailedRestartSaysThatTheKeysWereRotated(t *testing.T) {
	sb := cluster.NewSandbox(t, contractFile)
	newSecret(t, sb, dbCredentials())
	newDeploymentReading(t, sb, "api", envFromSecret("db-credentials"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second) // the step's deadline; no controller runs

	r := runAction(t, sb, map[string]any{"secret": "db-credentials", "keys": []any{"password"}, "restartDependents": true},
		actiontest.WithContext(ctx))
	cancel()

	actiontesting.MustFail(t, r, action.ExitActionFailed, "the keys [password] of secret "+sb.Namespace+
		"/db-credentials were rotated, but restarting its dependents failed: gave up waiting for the rollout of deployment "+sb.Namespace+"/api")
}
