package tekton

import (
	"bytes"
	"slices"
	"strings"
	"time"

	"github.com/tektoncd/pipeline/pkg/apis/pipeline/pod"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/kubernaut/kubernaut/internal/actionjob"
)

// Step is one verified, prepared step of a workflow: what the controller decided before the
// PipelineRun exists (DESIGN D4).
type Step struct {
	// Name is the step's name, a DNS-1123 label; it names the PipelineTask.
	Name string
	// RunAfter names the steps that must complete first.
	RunAfter []string
	// Image is the verified image, "<repository>@sha256:<64 hex digits>".
	Image string
	// Inputs is the inputs JSON object, defaulted, with its output references intact; nil or
	// empty means {}.
	Inputs []byte
	// ServiceAccountName runs the step with the contract's RBAC; "" means none, and then no
	// API token is mounted.
	ServiceAccountName string
	// ImagePullSecrets let the pod pull a private image.
	ImagePullSecrets []corev1.LocalObjectReference
	// Tolerations are the pod's tolerations, as on the Job engine (actionjob.Tolerations).
	Tolerations []corev1.Toleration
	// Resources are the contract's resources; limits are required (DESIGN D5).
	Resources corev1.ResourceRequirements
	// RunAsUser and RunAsGroup are the contract's user and group; nil means
	// actionjob.DefaultRunAsUser, as on the Job engine.
	RunAsUser, RunAsGroup *int64
	// UsesWorkspace binds the workflow's workspace at /workspace.
	UsesWorkspace bool
	// Credentials are the step's checked credential bindings, credential name → Secret name,
	// mounted read-only at /var/run/secrets/kubernaut/<name>/ as on the Job engine.
	Credentials map[string]string
	// Retries is how many times a failed attempt is retried.
	Retries int32
	// Timeout bounds one attempt; zero means only the workflow's timeout bounds it.
	Timeout time.Duration
}

// Workspace sizes the volumeClaimTemplate of the shared workspace.
type Workspace struct {
	// Size is the requested storage.
	Size resource.Quantity
	// StorageClassName selects the class; nil uses the cluster's default class.
	StorageClassName *string
	// AccessModes default to ReadWriteOnce, as on the Job engine.
	AccessModes []corev1.PersistentVolumeAccessMode
}

// Workflow is everything PipelineRun needs: the WorkflowExecution's identity and its prepared
// steps.
type Workflow struct {
	// Name and Namespace name the PipelineRun (the WorkflowExecution's own name).
	Name, Namespace string
	// UID is the WorkflowExecution's UID; Owner must reference it.
	UID types.UID
	// Owner is the controller reference to the WorkflowExecution.
	Owner metav1.OwnerReference
	// Labels are copied to the PipelineRun (and by Tekton to its TaskRuns and pods).
	Labels map[string]string
	// Steps in spec order.
	Steps []Step
	// Workspace is required when a step uses the workspace.
	Workspace *Workspace
	// Timeout bounds the whole workflow (spec.timeouts.pipeline).
	Timeout time.Duration
}

// PipelineRun builds the one PipelineRun that runs w: an embedded Pipeline with one PipelineTask
// per step running MetaTaskSpec (plus the step's credential mounts), runAfter kept, retries and
// timeouts mapped, the workspace from a volumeClaimTemplate bound only where used, and per step
// (taskRunSpecs) the ServiceAccount, resources and restricted pod settings. An invalid w is an
// error wrapping ErrInvalidWorkflow that names every offending field.
func PipelineRun(w Workflow) (*pipelinev1.PipelineRun, error) {
	upstream, err := check(w)
	if err != nil {
		return nil, err
	}
	spec := &pipelinev1.PipelineSpec{}
	if w.Workspace != nil && usesWorkspace(w.Steps) {
		spec.Workspaces = []pipelinev1.PipelineWorkspaceDeclaration{{Name: WorkspaceName}}
	}
	taskRunSpecs := make([]pipelinev1.PipelineTaskRunSpec, 0, len(w.Steps))
	for i := range w.Steps {
		spec.Tasks = append(spec.Tasks, pipelineTask(&w.Steps[i], upstream[i], w.Timeout))
		taskRunSpecs = append(taskRunSpecs, taskRunSpec(&w.Steps[i]))
	}
	pr := &pipelinev1.PipelineRun{
		TypeMeta: metav1.TypeMeta{APIVersion: pipelinev1.SchemeGroupVersion.String(), Kind: "PipelineRun"},
		ObjectMeta: metav1.ObjectMeta{
			Name:            w.Name,
			Namespace:       w.Namespace,
			Labels:          cloneMap(w.Labels),
			OwnerReferences: []metav1.OwnerReference{w.Owner},
		},
		Spec: pipelinev1.PipelineRunSpec{
			PipelineSpec: spec,
			Timeouts:     &pipelinev1.TimeoutFields{Pipeline: &metav1.Duration{Duration: w.Timeout}},
			TaskRunSpecs: taskRunSpecs,
		},
	}
	if len(spec.Workspaces) > 0 {
		pr.Spec.Workspaces = []pipelinev1.WorkspaceBinding{{Name: WorkspaceName, VolumeClaimTemplate: claimTemplate(w.Workspace)}}
	}
	return pr, nil
}

// pipelineTask is the PipelineTask of one step. A step timeout longer than the workflow's is
// cut to it: the step cannot run longer anyway, and the PipelineRun then says what bounds it.
func pipelineTask(s *Step, upstream string, workflowTimeout time.Duration) pipelinev1.PipelineTask {
	task := pipelinev1.PipelineTask{
		Name:     s.Name,
		TaskSpec: &pipelinev1.EmbeddedTask{TaskSpec: stepTaskSpec(s)},
		RunAfter: slices.Clone(s.RunAfter),
		Params: pipelinev1.Params{
			{Name: ParamImage, Value: *pipelinev1.NewStructuredValues(s.Image)},
			{Name: ParamInputs, Value: *pipelinev1.NewStructuredValues(inputsParam(s.Inputs))},
			{Name: ParamUpstream, Value: *pipelinev1.NewStructuredValues(upstream)},
		},
		Retries: int(s.Retries),
	}
	if s.Timeout > 0 {
		task.Timeout = &metav1.Duration{Duration: min(s.Timeout, workflowTimeout)}
	}
	if s.UsesWorkspace {
		task.Workspaces = []pipelinev1.WorkspacePipelineTaskBinding{{Name: WorkspaceName, Workspace: WorkspaceName}}
	}
	return task
}

// inputsParam is the inputs as the value of the inputs param: {} when empty, and every "$"
// written as \u0024 (see the package documentation).
func inputsParam(inputs []byte) string {
	trimmed := bytes.TrimSpace(inputs)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return "{}"
	}
	return strings.ReplaceAll(string(inputs), "$", `\u0024`)
}

// upstreamParam is the upstream param of a step whose inputs reference steps (sorted, unique):
// their outputs results placed as JSON values, `{"a":$(tasks.a.results.outputs)}`. The result
// references also order the step after those steps, as runAfter would.
func upstreamParam(steps []string) string {
	if len(steps) == 0 {
		return emptyUpstream
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, step := range steps {
		if i > 0 {
			b.WriteByte(',')
		}
		// Step names are DNS-1123 labels: quoting them needs no escapes.
		b.WriteString(`"` + step + `":$(tasks.` + step + `.results.` + ResultOutputs + `)`)
	}
	b.WriteByte('}')
	return b.String()
}

// taskRunSpec is the per-step pod setup: what the Job engine puts on the action's pod.
func taskRunSpec(s *Step) pipelinev1.PipelineTaskRunSpec {
	user, group := ptr.Deref(s.RunAsUser, actionjob.DefaultRunAsUser), ptr.Deref(s.RunAsGroup, actionjob.DefaultRunAsUser)
	template := &pod.Template{
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot:   ptr.To(true),
			RunAsUser:      ptr.To(user),
			RunAsGroup:     ptr.To(group),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		ImagePullSecrets:   slices.Clone(s.ImagePullSecrets),
		Tolerations:        slices.Clone(s.Tolerations),
		EnableServiceLinks: ptr.To(false),
	}
	if s.UsesWorkspace || len(s.Credentials) > 0 {
		// fsGroup makes the claim writable, and the credential files readable, by the non-root
		// action user (as on the Job engine); OnRootMismatch skips the recursive chown of the
		// claim when an earlier step already set it.
		template.SecurityContext.FSGroup = ptr.To(group)
		template.SecurityContext.FSGroupChangePolicy = ptr.To(corev1.FSGroupChangeOnRootMismatch)
	}
	if s.ServiceAccountName == "" {
		// Without permissions the action has no use for an API token (DESIGN D5).
		template.AutomountServiceAccountToken = ptr.To(false)
	}
	return pipelinev1.PipelineTaskRunSpec{
		PipelineTaskName:   s.Name,
		ServiceAccountName: s.ServiceAccountName,
		PodTemplate:        template,
		ComputeResources:   s.Resources.DeepCopy(),
	}
}

// claimTemplate is the workspace's volumeClaimTemplate; Tekton creates the claim, owned by the
// PipelineRun, so it goes when the PipelineRun goes.
func claimTemplate(ws *Workspace) *corev1.PersistentVolumeClaim {
	modes := slices.Clone(ws.AccessModes)
	if len(modes) == 0 {
		modes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	}
	return &corev1.PersistentVolumeClaim{
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      modes,
			StorageClassName: ws.StorageClassName,
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: ws.Size.DeepCopy()},
			},
		},
	}
}

// Cancel asks Tekton to stop pr: running TaskRuns are cancelled and no new one starts (there
// are no finally tasks). Patch the PipelineRun with CancelPatch, or Update it after Cancel.
func Cancel(pr *pipelinev1.PipelineRun) {
	pr.Spec.Status = pipelinev1.PipelineRunSpecStatusCancelled
}

// CancelPatch is the JSON merge patch that cancels a PipelineRun.
func CancelPatch() []byte {
	return []byte(`{"spec":{"status":"` + pipelinev1.PipelineRunSpecStatusCancelled + `"}}`)
}

func usesWorkspace(steps []Step) bool {
	return slices.ContainsFunc(steps, func(s Step) bool { return s.UsesWorkspace })
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
