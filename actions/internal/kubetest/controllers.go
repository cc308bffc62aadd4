package kubetest

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RevisionAnnotation is where the Deployment controller numbers a Deployment's revisions.
const RevisionAnnotation = "deployment.kubernetes.io/revision"

// Rollout is what PlayDeploymentController writes once the Deployment has reached the awaited
// generation.
type Rollout struct {
	// Before, when set, runs first: what the other controllers would do meanwhile, such as
	// replacing the pods.
	Before func(ctx context.Context)
	// Revision, when not empty, is written to RevisionAnnotation, as the controller numbers a
	// new template.
	Revision string
	// Status is written with observedGeneration set to the Deployment's generation.
	Status appsv1.DeploymentStatus
}

// PlayDeploymentController stands in for the Deployment controller, which envtest does not
// run: in the background, it waits until the Deployment named name reaches generation (the
// action's change), then writes r as the controller would once it has observed that
// generation. The channel is closed when it is done; a Deployment that never reaches the
// generation within the test's context (Context) is a test error.
func (s *Sandbox) PlayDeploymentController(t testing.TB, name string, generation int64, r Rollout) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctx := Context(t)
		deployments := s.Admin.AppsV1().Deployments(s.Namespace)
		for ctx.Err() == nil {
			d, err := deployments.Get(ctx, name, metav1.GetOptions{})
			if err != nil || d.Generation < generation {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			if r.Before != nil {
				r.Before(ctx)
			}
			if err := s.observe(ctx, d, r); err != nil {
				t.Errorf("write the revision and status of deployment %s: %v", name, err)
			}
			return
		}
		t.Errorf("deployment %s never reached generation %d", name, generation)
	}()
	return done
}

// observe writes r's revision, then its status, to d.
func (s *Sandbox) observe(ctx context.Context, d *appsv1.Deployment, r Rollout) error {
	deployments := s.Admin.AppsV1().Deployments(s.Namespace)
	var err error
	if r.Revision != "" {
		if d.Annotations == nil {
			d.Annotations = map[string]string{}
		}
		d.Annotations[RevisionAnnotation] = r.Revision
		if d, err = deployments.Update(ctx, d, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	d.Status = r.Status
	d.Status.ObservedGeneration = d.Generation
	_, err = deployments.UpdateStatus(ctx, d, metav1.UpdateOptions{})
	return err
}
