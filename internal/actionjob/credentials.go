package actionjob

import (
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

// CredentialFileMode is the mode of every file of a mounted credential: readable by the owner
// (root) and the group, nothing for others. The pod's fsGroup is the action's group, so the
// kubelet makes the files group-owned by it and the non-root action reads them; without fsGroup
// a root-owned 0440 file would be unreadable, and 0444 would hand the Secret to any user the
// image might switch to.
const CredentialFileMode int32 = 0o440

// credentialVolumePrefix starts the volume name of each credential, "credential-<index>" in
// the sorted order of the credential names: an index, not the name, because a 63-character
// credential name plus a prefix would exceed the 63 characters a volume name may have.
const credentialVolumePrefix = "credential-"

// CredentialVolumes are the volumes and mounts of the credentials a run binds (credential name
// → Secret name): one secret volume per credential, mounted read-only at
// contract.CredentialPath(name), one file per Secret key. Each credential is a volume of its
// own because a projected volume can only place a Secret's keys under a directory by listing
// them (items), and the controller never reads a Secret's data to learn its keys. The order is
// that of the sorted names, so the Job built for a run is always the same.
func CredentialVolumes(credentials map[string]string) ([]corev1.Volume, []corev1.VolumeMount) {
	if len(credentials) == 0 {
		return nil, nil
	}
	names := make([]string, 0, len(credentials))
	for name := range credentials {
		names = append(names, name)
	}
	slices.Sort(names)
	volumes := make([]corev1.Volume, 0, len(names))
	mounts := make([]corev1.VolumeMount, 0, len(names))
	for i, name := range names {
		volume := credentialVolumePrefix + strconv.Itoa(i)
		volumes = append(volumes, corev1.Volume{Name: volume, VolumeSource: corev1.VolumeSource{
			Secret: &corev1.SecretVolumeSource{
				SecretName:  credentials[name],
				DefaultMode: ptr.To(CredentialFileMode),
			},
		}})
		mounts = append(mounts, corev1.VolumeMount{Name: volume, MountPath: contract.CredentialPath(name), ReadOnly: true})
	}
	return volumes, mounts
}

// Credentials converts the API's credential bindings to the plain map CredentialVolumes takes.
func Credentials(bound map[string]executionv1alpha1.SecretName) map[string]string {
	if len(bound) == 0 {
		return nil
	}
	out := make(map[string]string, len(bound))
	for name, secret := range bound {
		out[name] = string(secret)
	}
	return out
}
