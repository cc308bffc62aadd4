package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/kubernaut/kubernaut/internal/devcluster/kubeapply"
)

// ErrNotAvailable: the manager's Deployment did not become available in time.
var ErrNotAvailable = errors.New("the manager did not become available")

// logTailLines is how many log lines of each container an ErrNotAvailable error shows.
const logTailLines = 20

// waitAvailable waits until the Deployment's latest pod template is rolled out and available,
// and returns the names of its ready pods. On timeout the error describes the pods.
func (c *clients) waitAvailable(ctx context.Context, timeout time.Duration) ([]string, error) {
	var last string
	var d *appsv1.Deployment
	err := wait.PollUntilContextTimeout(ctx, time.Second, timeout, true, func(ctx context.Context) (bool, error) {
		got, err := c.Kube.AppsV1().Deployments(Namespace).Get(ctx, DeploymentName, metav1.GetOptions{})
		if err != nil {
			if d == nil {
				last = err.Error() // transient: keep polling; reported if nothing better is known
			}
			return false, nil
		}
		d = got
		done, why := kubeapply.RolloutState(d)
		last = why
		return done, nil
	})
	if err != nil {
		// The wait's own context has ended; the diagnosis gets a fresh, short one.
		diagCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
		defer cancel()
		return nil, fmt.Errorf("%w: Deployment %s/%s after %s: %s\n%s", ErrNotAvailable, Namespace, DeploymentName,
			timeout, last, c.diagnose(diagCtx, d))
	}
	return c.readyPods(ctx, d)
}

// podsOf lists the pods of d's selector.
func (c *clients) podsOf(ctx context.Context, d *appsv1.Deployment) ([]corev1.Pod, error) {
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("selector of Deployment %s: %w", d.Name, err)
	}
	list, err := c.Kube.CoreV1().Pods(d.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, fmt.Errorf("listing the pods of Deployment %s: %w", d.Name, err)
	}
	return list.Items, nil
}

// readyPods names the ready, non-terminating pods of d.
func (c *clients) readyPods(ctx context.Context, d *appsv1.Deployment) ([]string, error) {
	pods, err := c.podsOf(ctx, d)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, p := range pods {
		if p.DeletionTimestamp == nil && podReady(&p) {
			names = append(names, p.Name)
		}
	}
	return names, nil
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// diagnose describes every pod of d with its container states and last log lines.
func (c *clients) diagnose(ctx context.Context, d *appsv1.Deployment) string {
	if d == nil {
		return "(the Deployment could not be read)"
	}
	pods, err := c.podsOf(ctx, d)
	if err != nil {
		return err.Error()
	}
	if len(pods) == 0 {
		return fmt.Sprintf("no pods match %s; conditions: %s", labels.Set(d.Spec.Selector.MatchLabels), kubeapply.DeploymentConditions(d))
	}
	var b strings.Builder
	for _, p := range pods {
		b.WriteString(kubeapply.DescribePod(&p))
		for _, cs := range append(p.Status.InitContainerStatuses, p.Status.ContainerStatuses...) {
			fmt.Fprintf(&b, "  last log lines of %s:\n%s", cs.Name, c.logTail(ctx, p.Name, cs.Name))
		}
	}
	return b.String()
}

// logTail returns the last log lines of a container, indented, or why there are none.
func (c *clients) logTail(ctx context.Context, pod, container string) string {
	lines := int64(logTailLines)
	req := c.Kube.CoreV1().Pods(Namespace).GetLogs(pod, &corev1.PodLogOptions{Container: container, TailLines: &lines})
	stream, err := req.Stream(ctx)
	if err != nil {
		return "    (no logs: " + err.Error() + ")\n"
	}
	defer stream.Close()
	data, err := io.ReadAll(io.LimitReader(stream, 64<<10))
	if err != nil {
		return "    (reading logs: " + err.Error() + ")\n"
	}
	text := strings.TrimRight(string(data), "\n")
	if text == "" {
		return "    (empty)\n"
	}
	return "    " + strings.ReplaceAll(text, "\n", "\n    ") + "\n"
}
