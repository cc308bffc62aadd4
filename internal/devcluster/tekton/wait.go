package tekton

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/kubernaut/kubernaut/internal/devcluster/kubeapply"
)

// ErrNotAvailable: a Tekton Deployment did not become available in time.
var ErrNotAvailable = errors.New("tekton did not become available")

// deploymentRef names a Deployment Install waits for.
type deploymentRef struct{ namespace, name string }

func (d deploymentRef) String() string { return d.namespace + "/" + d.name }

// deployments are the four long-running components of the release.
var deployments = []deploymentRef{
	{Namespace, "tekton-pipelines-controller"},
	{Namespace, "tekton-pipelines-webhook"},
	{Namespace, "tekton-events-controller"},
	{ResolversNamespace, "tekton-pipelines-remote-resolvers"},
}

// waitAvailable waits until each Deployment's latest pod template is rolled out and available,
// reporting when each one got there. On timeout the error describes the Deployment, its pods and
// its ReplicaSets' events: pods refused at creation (by PodSecurity, say) show up only there.
func (c *clients) waitAvailable(ctx context.Context, began time.Time, timeout time.Duration, progress io.Writer) error {
	deadline := time.Now().Add(timeout)
	for _, ref := range deployments {
		var d *appsv1.Deployment
		last := "not found"
		err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, time.Until(deadline), true, func(ctx context.Context) (bool, error) {
			got, err := c.Kube.AppsV1().Deployments(ref.namespace).Get(ctx, ref.name, metav1.GetOptions{})
			if err != nil {
				last = err.Error()
				return false, nil
			}
			d = got
			done, why := kubeapply.RolloutState(d)
			last = why
			return done, nil
		})
		if err != nil {
			diagCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
			defer cancel()
			return fmt.Errorf("%w: Deployment %s after %s: %s\n%s", ErrNotAvailable, ref, timeout, last, c.diagnose(diagCtx, ref, d))
		}
		progressf(progress, "tekton: Deployment %-52s available at +%.1fs", ref, time.Since(began).Seconds())
	}
	return nil
}

// diagnose describes a Deployment that is not available: its conditions, each pod's containers
// and the events of its ReplicaSets.
func (c *clients) diagnose(ctx context.Context, ref deploymentRef, d *appsv1.Deployment) string {
	if d == nil {
		return "(the Deployment could not be read)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Deployment %s conditions: %s\n", ref, kubeapply.DeploymentConditions(d))
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return b.String() + err.Error()
	}
	pods, err := c.Kube.CoreV1().Pods(ref.namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return b.String() + "listing its pods: " + err.Error()
	}
	if len(pods.Items) == 0 {
		b.WriteString("no pods\n")
	}
	for _, p := range pods.Items {
		b.WriteString(kubeapply.DescribePod(&p))
	}
	sets, err := c.Kube.AppsV1().ReplicaSets(ref.namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return b.String() + "listing its ReplicaSets: " + err.Error()
	}
	for _, rs := range sets.Items {
		b.WriteString(c.eventsOf(ctx, "ReplicaSet", rs.Namespace, rs.Name))
	}
	return b.String()
}

// eventsOf renders the events of one object, oldest first, as `kubectl describe` lists them.
func (c *clients) eventsOf(ctx context.Context, kind, namespace, name string) string {
	sel := fields.Set{"involvedObject.kind": kind, "involvedObject.name": name}.String()
	events, err := c.Kube.CoreV1().Events(namespace).List(ctx, metav1.ListOptions{FieldSelector: sel})
	if err != nil {
		return fmt.Sprintf("events of %s %s: %v\n", kind, name, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "events of %s %s/%s:\n", kind, namespace, name)
	if len(events.Items) == 0 {
		b.WriteString("  none\n")
	}
	for _, e := range events.Items {
		fmt.Fprintf(&b, "  %s %s (x%d): %s\n", e.Type, e.Reason, max(e.Count, 1), e.Message)
	}
	return b.String()
}
