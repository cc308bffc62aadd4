package rollout

import (
	"context"
	"errors"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubernaut/kubernaut/actions/internal/kube"
)

func TestWaitExplainsAFailedGet(t *testing.T) {
	ref := kube.Ref{Kind: "deployment", Namespace: "shop", Name: "web"}
	rateLimited := errors.New("client rate limiter Wait returned an error: rate: Wait(n=1) would exceed context deadline")
	notFound := apierrors.NewNotFound(schema.GroupResource{Group: "apps", Resource: "deployments"}, "web")
	tests := []struct {
		name    string
		timeout time.Duration // 0: no deadline
		getErr  error
		want    string
	}{{
		name:    "a get that the rate limiter refuses at the deadline is the wait giving up",
		timeout: 50 * time.Millisecond,
		getErr:  rateLimited,
		want:    "gave up waiting for the rollout of deployment shop/web (no status read yet): context deadline exceeded",
	}, {
		name:   "a get that fails before the deadline names the object",
		getErr: notFound,
		want:   `deployment shop/web not found: check the inputs: deployments.apps "web" not found`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			get := func(context.Context) (*appsv1.Deployment, error) { return nil, tt.getErr }

			_, err := Wait(ctx, ref, "the rollout of "+ref.String(), get, DeploymentProgress)

			if err == nil || err.Error() != tt.want {
				t.Errorf("Wait() error = %v, want %q", err, tt.want)
			}
		})
	}
}
