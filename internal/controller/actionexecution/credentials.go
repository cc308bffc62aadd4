package actionexecution

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionjob"
)

// reconcileCredentials checks spec.credentials before anything is created: every bound name
// must be a credential the contract declares and every required one must be bound, or the run
// is refused (InvalidInputs: like an input, a credential is something the caller passes); and
// every named Secret must exist.
//
// Existence is checked with a metadata-only read, so the controller never sees a credential's
// data (it holds get on Secrets already, for image pull secrets). A missing Secret makes the run
// wait, with the Secret named on Ready, rather than fail: it is usually being created alongside
// the workflow, as the kubelet too waits for the Secret of a volume; and waiting here, before the
// Job exists, costs no pod stuck in ContainerCreating. In a workflow, its timeout bounds the wait.
func (r *Reconciler) reconcileCredentials(ctx context.Context, run *run) error {
	bound := actionjob.Credentials(run.obj.Spec.Credentials)
	if err := run.contract.CheckCredentials(bound); err != nil {
		return refuse(executionv1alpha1.JobCreatedCondition, executionv1alpha1.InvalidInputsReason,
			"spec.credentials do not satisfy contract %s %s: %v", run.contract.Metadata.Name, run.contract.Metadata.Version, err)
	}
	names := make([]string, 0, len(bound))
	for name := range bound {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := r.checkSecretExists(ctx, run.obj.Namespace, bound[name], name); err != nil {
			return err
		}
	}
	return nil
}

// checkSecretExists reads the Secret's metadata only, uncached: the manager caches Secrets of
// its own namespace only, and a metadata read never transfers the Secret's data.
func (r *Reconciler) checkSecretExists(ctx context.Context, namespace, secret, credential string) error {
	meta := &metav1.PartialObjectMetadata{}
	meta.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	key := client.ObjectKey{Namespace: namespace, Name: secret}
	switch err := r.APIReader.Get(ctx, key, meta); {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("secret %s, bound to spec.credentials.%s, does not exist; the run waits for it: %w", key, credential, err)
	case err != nil:
		return fmt.Errorf("checking that Secret %s, bound to spec.credentials.%s, exists: %w", key, credential, err)
	}
	return nil
}
