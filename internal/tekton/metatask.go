package tekton

import (
	"bytes"
	"fmt"

	"github.com/tektoncd/pipeline/pkg/apis/pipeline"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/kubernaut/kubernaut/internal/actionjob"
	"github.com/kubernaut/kubernaut/internal/image"
	"github.com/kubernaut/kubernaut/sdk/action"
)

// The meta-Task's names: its params, result, workspace and step.
const (
	// MetaTaskName names the generic Task every step runs.
	MetaTaskName = "kubernaut-action"
	// ParamImage is the action image, "<repository>@sha256:<digest>" exactly as verified.
	ParamImage = "image"
	// ParamInputs is the step's inputs, a JSON object with its output references intact.
	ParamInputs = "inputs"
	// ParamUpstream is {"<step>": <outputs>, ...} for the steps the inputs reference.
	ParamUpstream = "upstream"
	// ResultOutputs is the result holding the step's outputs object, the file the SDK writes.
	ResultOutputs = action.ResultOutputs
	// WorkspaceName is the optional workspace, bound only for steps that use it.
	WorkspaceName = "workspace"
	// WorkspacePath is where the workspace is mounted, as on the Job engine.
	WorkspacePath = actionjob.WorkspacePath
	// StepName names the one step of the meta-Task; its container is "step-action".
	StepName = actionjob.ContainerName
)

// emptyUpstream is the upstream param of a step whose inputs reference no step.
const emptyUpstream = "{}"

// tmpVolume is the writable /tmp on the read-only root filesystem, as on the Job engine.
const tmpVolume = "tmp"

// MetaTaskSpec is the generic Task every step runs: the image named by a param, started by its
// explicit command (without one, Tekton's controller fetches the image config from the registry,
// which fails where its pod cannot reach the registry), inputs and upstream outputs in the
// environment, outputs as a result written by the SDK, and the restricted security context.
// Only features of Tekton's default install are used ("beta" API fields, results from the
// termination message).
func MetaTaskSpec() pipelinev1.TaskSpec {
	return pipelinev1.TaskSpec{
		Description: "Runs one verified Kubernaut action image: inputs in ACTION_INPUTS, outputs as the " +
			"outputs result. Generated from internal/tekton; the controller embeds the same spec in its PipelineRuns.",
		Params: pipelinev1.ParamSpecs{
			{Name: ParamImage, Type: pipelinev1.ParamTypeString,
				Description: "The action image, <repository>@sha256:<digest>, exactly as verified."},
			{Name: ParamInputs, Type: pipelinev1.ParamTypeString,
				Description: "The inputs, a JSON object; output references are resolved by the action runtime."},
			{Name: ParamUpstream, Type: pipelinev1.ParamTypeString, Default: pipelinev1.NewStructuredValues(emptyUpstream),
				Description: `The outputs of the steps the inputs reference, {"<step>": {<outputs>}, ...}.`},
		},
		Results: []pipelinev1.TaskResult{{Name: ResultOutputs, Type: pipelinev1.ResultsTypeString,
			Description: "The action's outputs, one JSON object."}},
		Workspaces: []pipelinev1.WorkspaceDeclaration{{Name: WorkspaceName, MountPath: WorkspacePath, Optional: true,
			Description: "The workflow's shared workspace, bound for steps that set usesWorkspace."}},
		Volumes: []corev1.Volume{{Name: tmpVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{
			SizeLimit: ptr.To(resource.MustParse(actionjob.DefaultTmpSize)),
		}}}},
		Steps: []pipelinev1.Step{{
			Name:            StepName,
			Image:           "$(params." + ParamImage + ")",
			ImagePullPolicy: corev1.PullIfNotPresent, // a digest: what is on the node is what was verified
			Command:         []string{image.EntrypointPath},
			Env: []corev1.EnvVar{
				{Name: action.EnvInputs, Value: "$(params." + ParamInputs + ")"},
				{Name: action.EnvUpstreamOutputs, Value: "$(params." + ParamUpstream + ")"},
				{Name: action.EnvResultsDir, Value: pipeline.DefaultResultPath},
			},
			VolumeMounts:    []corev1.VolumeMount{{Name: tmpVolume, MountPath: actionjob.TmpPath}},
			SecurityContext: containerSecurityContext(),
		}},
	}
}

// containerSecurityContext is the restricted container security context of the Job engine
// (internal/actionjob) without the user and group, which depend on the step's contract and are
// set per step on the pod (taskRunSpecs) because the meta-Task is shared by every step.
func containerSecurityContext() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr.To(false),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		ReadOnlyRootFilesystem:   ptr.To(true),
		RunAsNonRoot:             ptr.To(true),
	}
}

// MetaTask is the meta-Task as an object in namespace, as shipped in config/tekton for tools
// and users that run a step by hand; the controller embeds MetaTaskSpec instead.
func MetaTask(namespace string) *pipelinev1.Task {
	return &pipelinev1.Task{
		TypeMeta: metav1.TypeMeta{APIVersion: pipelinev1.SchemeGroupVersion.String(), Kind: "Task"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      MetaTaskName,
			Namespace: namespace,
			Labels:    map[string]string{"app.kubernetes.io/name": MetaTaskName, "app.kubernetes.io/part-of": "kubernaut"},
		},
		Spec: MetaTaskSpec(),
	}
}

// GeneratedHeader starts config/tekton/kubernaut-action.yaml.
const GeneratedHeader = "# Code generated by hack/gen-tekton from internal/tekton.MetaTask; DO NOT EDIT.\n" +
	"# Regenerate with: go run ./hack/gen-tekton\n"

// MetaTaskYAML is the content of config/tekton/kubernaut-action.yaml: GeneratedHeader and
// MetaTask("") as YAML (kustomize or kubectl -n choose the namespace).
func MetaTaskYAML() ([]byte, error) {
	data, err := yaml.Marshal(MetaTask(""))
	if err != nil {
		return nil, fmt.Errorf("encoding the meta-Task %s as YAML: %w", MetaTaskName, err)
	}
	// ObjectMeta has no omitzero on creationTimestamp; the line means nothing in a manifest.
	data = bytes.Replace(data, []byte("  creationTimestamp: null\n"), nil, 1)
	return append([]byte(GeneratedHeader), data...), nil
}
