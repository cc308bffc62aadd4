package actionjob

import (
	"math"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

// Fixed parts of every action pod.
const (
	// ContainerName is the name of the one container of an action pod.
	ContainerName = "action"
	// WorkspacePath is where spec.workspace's claim is mounted.
	WorkspacePath = "/workspace"
	// TmpPath is the writable scratch directory on the read-only root filesystem.
	TmpPath = "/tmp"
	// TerminationMessagePath is the kubelet's default; the Job points ACTION_OUTPUTS_PATH at it.
	TerminationMessagePath = corev1.TerminationMessagePathDefault
	// DefaultRunAsUser is the user (and group) an action runs as when its contract names none:
	// the "nonroot" user of distroless images, which the project's builder also uses.
	DefaultRunAsUser int64 = 65532
	// DefaultTimeout bounds a run whose spec has no timeout (the CRD defaults it to the same).
	DefaultTimeout = 5 * time.Minute
)

// Quantities used when a contract leaves them out. Limits are always set; requests are small,
// so that a contract without resources does not reserve half a node per action.
const (
	DefaultCPULimit      = "500m"
	DefaultMemoryLimit   = "256Mi"
	DefaultCPURequest    = "50m"
	DefaultMemoryRequest = "64Mi"
	// DefaultTmpSize caps the /tmp emptyDir, so that an action cannot fill the node's disk.
	DefaultTmpSize = "128Mi"
)

// Volume names in the pod spec.
const (
	tmpVolume       = "tmp"
	workspaceVolume = "workspace"
)

// JobOption adjusts a Job built by BuildJob.
type JobOption func(*jobOptions)

type jobOptions struct {
	contractPath     string
	imagePullSecrets []corev1.LocalObjectReference
}

// WithContractPath tells the action's SDK where its contract is (ACTION_CONTRACT_PATH), for
// registry entries whose contract is not at the default /action-contract.yaml.
func WithContractPath(path string) JobOption {
	return func(o *jobOptions) { o.contractPath = path }
}

// WithImagePullSecrets lets the pod pull a private image. The controller-created
// ServiceAccount has no pull secrets of its own, so the controller passes the ones it used to
// verify the image.
func WithImagePullSecrets(names ...string) JobOption {
	return func(o *jobOptions) {
		for _, n := range names {
			o.imagePullSecrets = append(o.imagePullSecrets, corev1.LocalObjectReference{Name: n})
		}
	}
}

// BuildJob builds the Job that runs ae: the image digestRef exactly as verified, inputsJSON
// (validated and defaulted) in ACTION_INPUTS, the contract's resources with limits always set,
// the restricted security context, /workspace when the spec asks, each credential's Secret
// read-only under contract.CredentialsDir (CredentialVolumes), the timeout as
// activeDeadlineSeconds, no retries (backoffLimit 0) except after disruptions (a pod failure
// policy ignores DisruptionTarget), and ae as controller owner.
//
// serviceAccount is the ServiceAccount to run as: RBACName(ae) when BuildRBAC created one, a
// named one, or "" for none, in which case no token is mounted. The only error is a contract
// resource quantity Kubernetes cannot parse, an *Error with reason ContractInvalid.
func BuildJob(ae *executionv1alpha1.ActionExecution, c *contract.ActionContract, digestRef string,
	inputsJSON []byte, serviceAccount string, opts ...JobOption) (*batchv1.Job, error) {
	var o jobOptions
	for _, opt := range opts {
		opt(&o)
	}
	resources, err := Resources(c)
	if err != nil {
		return nil, err
	}
	labels := Labels(ae)
	pod := podSpec(ae, c, serviceAccount, o)
	pod.Containers = []corev1.Container{container(ae, c, digestRef, inputsJSON, resources, o)}
	return &batchv1.Job{
		TypeMeta: metav1.TypeMeta{APIVersion: batchv1.SchemeGroupVersion.String(), Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{
			Name:            JobName(ae),
			Namespace:       ae.Namespace,
			Labels:          labels,
			OwnerReferences: []metav1.OwnerReference{ownerReference(ae)},
		},
		Spec: batchv1.JobSpec{
			BackoffLimit:          ptr.To[int32](0),
			ActiveDeadlineSeconds: ptr.To(deadlineSeconds(ae.Spec.Timeout)),
			// A pod evicted, preempted or lost with its node did not fail on its own: Ignore
			// does not count it against backoffLimit 0, so the Job starts a replacement.
			PodFailurePolicy: &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{
				Action: batchv1.PodFailurePolicyActionIgnore,
				OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{
					Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
				}},
			}}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: Labels(ae)},
				Spec:       pod,
			},
		},
	}, nil
}

// deadlineSeconds rounds a timeout up to whole seconds (activeDeadlineSeconds' unit), so that a
// run is never cut short of what was asked, and to at least one second.
func deadlineSeconds(timeout *metav1.Duration) int64 {
	d := DefaultTimeout
	if timeout != nil && timeout.Duration > 0 {
		d = timeout.Duration
	}
	return max(1, int64(math.Ceil(d.Seconds())))
}

func podSpec(ae *executionv1alpha1.ActionExecution, c *contract.ActionContract, serviceAccount string, o jobOptions) corev1.PodSpec {
	spec := corev1.PodSpec{
		RestartPolicy:      corev1.RestartPolicyNever,
		ServiceAccountName: serviceAccount,
		EnableServiceLinks: ptr.To(false),
		DNSPolicy:          corev1.DNSClusterFirst,
		ImagePullSecrets:   o.imagePullSecrets,
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot:   ptr.To(true),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		Volumes: []corev1.Volume{{
			Name: tmpVolume,
			VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{
				SizeLimit: ptr.To(resource.MustParse(DefaultTmpSize)),
			}},
		}},
	}
	if serviceAccount == "" {
		// Without permissions the action has no use for an API token; not mounting one means a
		// compromised action cannot even authenticate as the namespace's default account.
		spec.AutomountServiceAccountToken = ptr.To(false)
	}
	if ws := ae.Spec.Workspace; ws != nil {
		spec.Volumes = append(spec.Volumes, corev1.Volume{
			Name: workspaceVolume,
			VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{
				ClaimName: ws.ClaimName,
			}},
		})
	}
	credentials, _ := CredentialVolumes(Credentials(ae.Spec.Credentials))
	spec.Volumes = append(spec.Volumes, credentials...)
	if ae.Spec.Workspace != nil || len(credentials) > 0 {
		// fsGroup makes the claim writable, and the credential files (CredentialFileMode)
		// readable, by the non-root action user; OnRootMismatch skips the recursive chown of
		// the claim when an earlier step already set it.
		spec.SecurityContext.FSGroup = ptr.To(runAsGroup(c))
		spec.SecurityContext.FSGroupChangePolicy = ptr.To(corev1.FSGroupChangeOnRootMismatch)
	}
	spec.Tolerations = Tolerations(c)
	return spec
}

// Tolerations are the pod's tolerations from the contract's spec.scheduling: the cordon's taint
// when the action asks to run on cordoned nodes (an uncordon action must run when every node is
// cordoned), else none.
func Tolerations(c *contract.ActionContract) []corev1.Toleration {
	if !c.TolerateCordonedNodes() {
		return nil
	}
	return []corev1.Toleration{{
		Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule,
	}}
}

func container(ae *executionv1alpha1.ActionExecution, c *contract.ActionContract, digestRef string,
	inputsJSON []byte, resources corev1.ResourceRequirements, o jobOptions) corev1.Container {
	env := []corev1.EnvVar{
		{Name: action.EnvInputs, Value: string(inputsJSON)},
		{Name: action.EnvOutputsPath, Value: TerminationMessagePath},
	}
	if o.contractPath != "" && o.contractPath != contract.DefaultPath {
		env = append(env, corev1.EnvVar{Name: action.EnvContractPath, Value: o.contractPath})
	}
	mounts := []corev1.VolumeMount{{Name: tmpVolume, MountPath: TmpPath}}
	if ae.Spec.Workspace != nil {
		mounts = append(mounts, corev1.VolumeMount{Name: workspaceVolume, MountPath: WorkspacePath})
	}
	_, credentialMounts := CredentialVolumes(Credentials(ae.Spec.Credentials))
	mounts = append(mounts, credentialMounts...)
	return corev1.Container{
		Name:  ContainerName,
		Image: digestRef,
		// The reference is a digest: what is on the node is exactly what was verified.
		ImagePullPolicy:          corev1.PullIfNotPresent,
		Env:                      env,
		Resources:                resources,
		VolumeMounts:             mounts,
		TerminationMessagePath:   TerminationMessagePath,
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr.To(false),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			ReadOnlyRootFilesystem:   ptr.To(true),
			RunAsNonRoot:             ptr.To(true),
			RunAsUser:                ptr.To(runAsUser(c)),
			RunAsGroup:               ptr.To(runAsGroup(c)),
		},
	}
}

func runAsUser(c *contract.ActionContract) int64 {
	if sc := c.Spec.SecurityContext; sc != nil && sc.RunAsUser != nil {
		return *sc.RunAsUser
	}
	return DefaultRunAsUser
}

func runAsGroup(c *contract.ActionContract) int64 {
	if sc := c.Spec.SecurityContext; sc != nil && sc.RunAsGroup != nil {
		return *sc.RunAsGroup
	}
	return DefaultRunAsUser
}
