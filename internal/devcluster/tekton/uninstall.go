package tekton

import (
	"context"
	"fmt"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubernaut/kubernaut/internal/devcluster/kubeapply"
)

// Uninstall deletes everything Install applies, Deployments first and namespaces and CRDs last
// (which deletes every Tekton resource in the cluster), and waits until Tekton's namespaces are
// gone. Only opts' connection, SourceDir, Timeout and Progress are used; nothing is built.
func Uninstall(ctx context.Context, opts InstallOptions) error {
	began := time.Now()
	rc, err := opts.restConfig()
	if err != nil {
		return err
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	moduleDir, err := ModuleDir(ctx, opts.SourceDir)
	if err != nil {
		return err
	}
	// Only names matter for deleting, so any image references do.
	placeholders := Images{}
	for _, c := range Commands {
		placeholders[c] = "uninstall.invalid/" + c
	}
	objs, err := Render(moduleDir, placeholders, RenderOptions{})
	if err != nil {
		return err
	}
	cl, err := newClients(rc)
	if err != nil {
		return err
	}
	objs = kubeapply.SortForApply(objs)
	slices.Reverse(objs)
	for _, o := range objs {
		err := cl.Objects.Delete(ctx, o, client.PropagationPolicy(metav1.DeletePropagationBackground))
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting %s: %w", kubeapply.Describe(o), err)
		}
	}
	for _, ns := range []string{Namespace, ResolversNamespace} {
		err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, opts.Timeout, true, func(ctx context.Context) (bool, error) {
			_, err := cl.Kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
			return apierrors.IsNotFound(err), nil
		})
		if err != nil {
			return fmt.Errorf("namespace %s still exists after %s: %w", ns, opts.Timeout, err)
		}
	}
	opts.progressf(began, "deleted %d objects; Tekton's namespaces are gone", len(objs))
	return nil
}
