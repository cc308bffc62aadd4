package actionexecution

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubernaut/kubernaut/internal/actionjob"
	"github.com/kubernaut/kubernaut/internal/imagecontract"
	"github.com/kubernaut/kubernaut/internal/registry"
	"github.com/kubernaut/kubernaut/internal/verify"
)

// defaultServiceAccount is the ServiceAccount a pod runs as when it names none. Its pull secrets
// are also the ones a run gets when it runs as the ServiceAccount the controller creates, which
// has none of its own.
const defaultServiceAccount = "default"

// pullCredentials are a run's registry credentials: the imagePullSecrets of the ServiceAccount
// the action's pod runs as (or of the namespace's default one, for the per-run ServiceAccount).
// The same set authenticates signature verification and contract loading and is listed in the
// pod spec, so the kubelet pulls with exactly the credentials the controller read the image with.
type pullCredentials struct {
	// serviceAccount is "<namespace>/<name>" of the ServiceAccount that lists the secrets.
	serviceAccount string
	// secrets are the listed Secrets' names, in the ServiceAccount's order, without duplicates.
	secrets []string
	// keychain holds the secrets' credentials followed by the controller's own; nil when no
	// secret is listed, and then the verifier's and loader's own keychain applies unchanged.
	keychain authn.Keychain
}

// reconcilePullSecrets reads the imagePullSecrets of the run's ServiceAccount and the Secrets
// they name, uncached: the manager caches Secrets only in its own namespace, and watching every
// Secret of the cluster to serve this read would need list and watch on all of them.
//
// A missing Secret, or one that holds no registry credentials, makes the run wait (a transient
// error naming it) rather than try without it, and so does a missing pre-created ServiceAccount:
// they are usually being created, and the image was most likely listed with them for a reason.
// A missing default ServiceAccount lists nothing: a namespace's default account may not exist
// yet, and a pod running as it would get no pull secrets from it either.
func (r *Reconciler) reconcilePullSecrets(ctx context.Context, run *run) error {
	name, namedBy := run.pullServiceAccount()
	key := client.ObjectKey{Namespace: run.obj.Namespace, Name: name}
	run.pull = pullCredentials{serviceAccount: key.String()}
	sa := &corev1.ServiceAccount{}
	switch err := r.APIReader.Get(ctx, key, sa); {
	case apierrors.IsNotFound(err) && namedBy == "":
		return nil
	case apierrors.IsNotFound(err):
		return fmt.Errorf("ServiceAccount %s, named by %s, does not exist; the run waits for it: %w", key, namedBy, err)
	case err != nil:
		return fmt.Errorf("reading ServiceAccount %s for its image pull secrets: %w", key, err)
	}
	run.pull.secrets = secretNames(sa.ImagePullSecrets)
	if len(run.pull.secrets) == 0 {
		return nil
	}
	secrets, err := r.readPullSecrets(ctx, key, run.pull.secrets)
	if err != nil {
		return err
	}
	kc, err := registry.KeychainFromSecrets(secrets)
	if err != nil {
		return fmt.Errorf("the image pull secrets of ServiceAccount %s cannot authenticate to a registry; "+
			"the run waits until they are fixed: %w", key, err)
	}
	// KeychainFromSecrets puts the default keychain after the secrets; the controller's own
	// credentials, when configured otherwise, come last.
	if r.Keychain != nil && r.Keychain != authn.DefaultKeychain {
		kc = authn.NewMultiKeychain(kc, r.Keychain)
	}
	run.pull.keychain = kc
	return nil
}

// pullServiceAccount names the ServiceAccount whose pull secrets the run uses and what named it:
// the pre-created account the pod runs as, or else the namespace's default account (namedBy ""),
// which is what the pod runs as without permissions and what the per-run account stands in for.
func (run *run) pullServiceAccount() (name, namedBy string) {
	switch {
	case run.obj.Spec.ServiceAccountName != "":
		return run.obj.Spec.ServiceAccountName, "spec.serviceAccountName"
	case run.entry.ServiceAccountName != "":
		return run.entry.ServiceAccountName, fmt.Sprintf("the action registry entry of %q", run.obj.Spec.ActionType)
	default:
		return defaultServiceAccount, ""
	}
}

// readPullSecrets gets each named Secret of the ServiceAccount sa. Every missing one is named in
// the error, so that one message tells the operator all there is to create.
func (r *Reconciler) readPullSecrets(ctx context.Context, sa client.ObjectKey, names []string) ([]corev1.Secret, error) {
	secrets := make([]corev1.Secret, 0, len(names))
	var missing []string
	for _, n := range names {
		var s corev1.Secret
		switch err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: sa.Namespace, Name: n}, &s); {
		case apierrors.IsNotFound(err):
			missing = append(missing, n)
		case err != nil:
			return nil, fmt.Errorf("reading image pull secret %s/%s of ServiceAccount %s: %w", sa.Namespace, n, sa, err)
		default:
			secrets = append(secrets, s)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("image pull secret %s, listed by ServiceAccount %s, does not exist in namespace %s; "+
			"the run waits for it, because the image may not be readable without it",
			quoteAll(missing), sa, sa.Namespace)
	}
	return secrets, nil
}

// secretNames lists the names of refs in order, skipping empty and repeated ones.
func secretNames(refs []corev1.LocalObjectReference) []string {
	var names []string
	for _, ref := range refs {
		if ref.Name != "" && !slices.Contains(names, ref.Name) {
			names = append(names, ref.Name)
		}
	}
	return names
}

func quoteAll(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(quoted, ", ")
}

// verifyOptions authenticates a verification with the run's credentials.
func (c pullCredentials) verifyOptions() []verify.CallOption {
	if c.keychain == nil {
		return nil
	}
	return []verify.CallOption{verify.WithKeychain(c.keychain)}
}

// loadOptions authenticates a contract load with the run's credentials.
func (c pullCredentials) loadOptions() []imagecontract.LoadOption {
	if c.keychain == nil {
		return nil
	}
	return []imagecontract.LoadOption{imagecontract.WithKeychain(c.keychain)}
}

// jobOptions lists the secrets in the pod spec. The ServiceAccount admission plugin would copy
// the pod's account's secrets only into a pod that lists none, and the per-run account has none:
// listing them explicitly makes the kubelet use exactly the set the image was read with.
func (c pullCredentials) jobOptions() []actionjob.JobOption {
	if len(c.secrets) == 0 {
		return nil
	}
	return []actionjob.JobOption{actionjob.WithImagePullSecrets(c.secrets...)}
}

// String says which credentials a registry read used, for the messages of registry errors.
func (c pullCredentials) String() string {
	if len(c.secrets) == 0 {
		return fmt.Sprintf("the controller's own registry credentials (ServiceAccount %s has no image pull secrets)", c.serviceAccount)
	}
	return fmt.Sprintf("image pull secret %s of ServiceAccount %s", quoteAll(c.secrets), c.serviceAccount)
}
