package tekton

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/pod"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// wantTask is the PipelineTask expected for a step with a 5m timeout.
func wantTask(name, inputs, upstream string, runAfter ...string) pipelinev1.PipelineTask {
	return pipelinev1.PipelineTask{
		Name:     name,
		TaskSpec: &pipelinev1.EmbeddedTask{TaskSpec: MetaTaskSpec()},
		RunAfter: runAfter,
		Params: pipelinev1.Params{
			{Name: "image", Value: pipelinev1.ParamValue{Type: pipelinev1.ParamTypeString, StringVal: digest(name)}},
			{Name: "inputs", Value: pipelinev1.ParamValue{Type: pipelinev1.ParamTypeString, StringVal: inputs}},
			{Name: "upstream", Value: pipelinev1.ParamValue{Type: pipelinev1.ParamTypeString, StringVal: upstream}},
		},
		Timeout: &metav1.Duration{Duration: 5 * time.Minute},
	}
}

// withWorkspace binds the workspace to a PipelineTask.
func withWorkspace(pt pipelinev1.PipelineTask) pipelinev1.PipelineTask {
	pt.Workspaces = []pipelinev1.WorkspacePipelineTaskBinding{{Name: "workspace", Workspace: "workspace"}}
	return pt
}

// wantTaskRunSpec is the pod setup expected for a step without ServiceAccount or workspace.
func wantTaskRunSpec(name string) pipelinev1.PipelineTaskRunSpec {
	return pipelinev1.PipelineTaskRunSpec{
		PipelineTaskName: name,
		PodTemplate: &pod.Template{
			SecurityContext: &corev1.PodSecurityContext{
				RunAsNonRoot: ptr.To(true), RunAsUser: ptr.To[int64](65532), RunAsGroup: ptr.To[int64](65532),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
			AutomountServiceAccountToken: ptr.To(false),
			EnableServiceLinks:           ptr.To(false),
		},
		ComputeResources: ptr.To(limits()),
	}
}

// withWorkspaceGroup is wantTaskRunSpec for a step that uses the workspace.
func withWorkspaceGroup(trs pipelinev1.PipelineTaskRunSpec) pipelinev1.PipelineTaskRunSpec {
	trs.PodTemplate.SecurityContext.FSGroup = ptr.To[int64](65532)
	trs.PodTemplate.SecurityContext.FSGroupChangePolicy = ptr.To(corev1.FSGroupChangeOnRootMismatch)
	return trs
}

// wantRun is the PipelineRun expected for the test workflow name.
func wantRun(name string, tasks []pipelinev1.PipelineTask, specs []pipelinev1.PipelineTaskRunSpec) *pipelinev1.PipelineRun {
	return &pipelinev1.PipelineRun{
		TypeMeta: metav1.TypeMeta{APIVersion: "tekton.dev/v1", Kind: "PipelineRun"},
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "payments",
			Labels:          map[string]string{"kubernaut.ai/workflow": name},
			OwnerReferences: []metav1.OwnerReference{owner(name)},
		},
		Spec: pipelinev1.PipelineRunSpec{
			PipelineSpec: &pipelinev1.PipelineSpec{Tasks: tasks},
			Timeouts:     &pipelinev1.TimeoutFields{Pipeline: &metav1.Duration{Duration: 30 * time.Minute}},
			TaskRunSpecs: specs,
		},
	}
}

func gitOpsWorkflow() Workflow {
	clone := step("git-clone", `{"repository":"https://git.example.com/platform/payment-service-config.git","branch":"main"}`)
	modify := step("modify-deployment", `{"path":"apps/payment-service/deployment.yaml","mergePatch":{"spec":{"replicas":10}}}`, "git-clone")
	commit := step("git-commit", `{"message":"Scale payment-service to 10 replicas"}`, "modify-deployment")
	pr := step("git-push-pr", `{"commit":"$(steps.git-commit.outputs.commit)","title":"kubernaut: scale payment-service"}`, "git-commit")
	steps := []Step{clone, modify, commit, pr}
	for i := range steps {
		steps[i].UsesWorkspace = true
	}
	w := workflow("gitops-pr-payment-service", steps...)
	w.Workspace = &Workspace{Size: resource.MustParse("1Gi"), StorageClassName: ptr.To("local-manual")}
	return w
}

func wantGitOpsRun() *pipelinev1.PipelineRun {
	names := []string{"git-clone", "modify-deployment", "git-commit", "git-push-pr"}
	inputs := []string{
		`{"repository":"https://git.example.com/platform/payment-service-config.git","branch":"main"}`,
		`{"path":"apps/payment-service/deployment.yaml","mergePatch":{"spec":{"replicas":10}}}`,
		`{"message":"Scale payment-service to 10 replicas"}`,
		`{"commit":"\u0024(steps.git-commit.outputs.commit)","title":"kubernaut: scale payment-service"}`,
	}
	upstream := []string{"{}", "{}", "{}", `{"git-commit":$(tasks.git-commit.results.outputs)}`}
	var tasks []pipelinev1.PipelineTask
	var specs []pipelinev1.PipelineTaskRunSpec
	for i, name := range names {
		var runAfter []string
		if i > 0 {
			runAfter = []string{names[i-1]}
		}
		tasks = append(tasks, withWorkspace(wantTask(name, inputs[i], upstream[i], runAfter...)))
		specs = append(specs, withWorkspaceGroup(wantTaskRunSpec(name)))
	}
	pr := wantRun("gitops-pr-payment-service", tasks, specs)
	pr.Spec.PipelineSpec.Workspaces = []pipelinev1.PipelineWorkspaceDeclaration{{Name: "workspace"}}
	pr.Spec.Workspaces = []pipelinev1.WorkspaceBinding{{Name: "workspace", VolumeClaimTemplate: &corev1.PersistentVolumeClaim{
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: ptr.To("local-manual"),
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}}}
	return pr
}

func fanOutWorkflow() Workflow {
	return workflow("fan-out",
		step("a", `{"n":1}`),
		step("b", `{"from":"$(steps.a.outputs.id)"}`, "a"),
		step("c", `{"from":"$(steps.a.outputs.id)"}`, "a"),
		step("d", `{"b":"$(steps.b.outputs.x)","c":"$(steps.c.outputs.x) and $(steps.b.outputs.y)","a":"$(steps.a.outputs.id)"}`, "b", "c"),
	)
}

func wantFanOutRun() *pipelinev1.PipelineRun {
	return wantRun("fan-out", []pipelinev1.PipelineTask{
		wantTask("a", `{"n":1}`, "{}"),
		wantTask("b", `{"from":"\u0024(steps.a.outputs.id)"}`, `{"a":$(tasks.a.results.outputs)}`, "a"),
		wantTask("c", `{"from":"\u0024(steps.a.outputs.id)"}`, `{"a":$(tasks.a.results.outputs)}`, "a"),
		wantTask("d", `{"b":"\u0024(steps.b.outputs.x)","c":"\u0024(steps.c.outputs.x) and \u0024(steps.b.outputs.y)","a":"\u0024(steps.a.outputs.id)"}`,
			`{"a":$(tasks.a.results.outputs),"b":$(tasks.b.results.outputs),"c":$(tasks.c.results.outputs)}`, "b", "c"),
	}, []pipelinev1.PipelineTaskRunSpec{wantTaskRunSpec("a"), wantTaskRunSpec("b"), wantTaskRunSpec("c"), wantTaskRunSpec("d")})
}

func retriesWorkflow() Workflow {
	long := step("long", "")
	long.Retries, long.Timeout = 3, 45*time.Minute
	long.ServiceAccountName = "long-action"
	long.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "registry-creds"}}
	long.Tolerations = []corev1.Toleration{{Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
	long.RunAsUser, long.RunAsGroup = ptr.To[int64](1000), ptr.To[int64](2000)
	open := step("open-ended", `null`, "long")
	open.Timeout = 0
	return workflow("retries", long, open)
}

func wantRetriesRun() *pipelinev1.PipelineRun {
	long := wantTask("long", "{}", "{}")
	long.Retries, long.Timeout = 3, &metav1.Duration{Duration: 30 * time.Minute}
	open := wantTask("open-ended", "{}", "{}", "long")
	open.Timeout = nil
	longSpec := wantTaskRunSpec("long")
	longSpec.ServiceAccountName = "long-action"
	longSpec.PodTemplate.AutomountServiceAccountToken = nil
	longSpec.PodTemplate.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "registry-creds"}}
	longSpec.PodTemplate.Tolerations = []corev1.Toleration{{Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
	longSpec.PodTemplate.SecurityContext.RunAsUser = ptr.To[int64](1000)
	longSpec.PodTemplate.SecurityContext.RunAsGroup = ptr.To[int64](2000)
	return wantRun("retries", []pipelinev1.PipelineTask{long, open}, []pipelinev1.PipelineTaskRunSpec{longSpec, wantTaskRunSpec("open-ended")})
}

func TestPipelineRunTranslatesTheWorkflow(t *testing.T) {
	tests := []struct {
		name string
		w    Workflow
		want *pipelinev1.PipelineRun
	}{
		{"a single step runs as one PipelineTask with no upstream outputs", workflow("single", step("scale", `{"replicas":3}`)),
			wantRun("single", []pipelinev1.PipelineTask{wantTask("scale", `{"replicas":3}`, "{}")},
				[]pipelinev1.PipelineTaskRunSpec{wantTaskRunSpec("scale")})},
		{"the seed's four GitOps steps share a volumeClaimTemplate workspace", gitOpsWorkflow(), wantGitOpsRun()},
		{"fan-out and fan-in keep runAfter and pass every referenced step's outputs", fanOutWorkflow(), wantFanOutRun()},
		{"retries, timeouts, the ServiceAccount and the contract's user reach the task", retriesWorkflow(), wantRetriesRun()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PipelineRun(tt.w)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("PipelineRun (-want +got):\n%s", diff)
			}
			mustPassTektonValidation(t, got)
		})
	}
}

func TestAWorkspaceIsBoundOnlyToTheStepsThatUseIt(t *testing.T) {
	w := workflow("partial", step("a", ""), step("b", "", "a"))
	w.Steps[1].UsesWorkspace = true
	w.Workspace = &Workspace{Size: resource.MustParse("2Gi"), AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}}
	pr, err := PipelineRun(w)
	if err != nil {
		t.Fatal(err)
	}
	if got := pr.Spec.PipelineSpec.Tasks[0].Workspaces; got != nil {
		t.Errorf("step a does not use the workspace but binds %v", got)
	}
	if got := pr.Spec.PipelineSpec.Tasks[1].Workspaces; len(got) != 1 {
		t.Errorf("step b uses the workspace but binds %v", got)
	}
	claim := pr.Spec.Workspaces[0].VolumeClaimTemplate.Spec
	if diff := cmp.Diff([]corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}, claim.AccessModes); diff != "" {
		t.Errorf("access modes (-want +got):\n%s", diff)
	}
	if claim.StorageClassName != nil || claim.Resources.Requests.Storage().String() != "2Gi" {
		t.Errorf("claim %+v, want 2Gi of the default class", claim)
	}
	mustPassTektonValidation(t, pr)
}

func TestNoParamValueIsNull(t *testing.T) {
	w := workflow("nulls", step("a", ""), step("b", "null", "a"), step("c", "  ", "b"))
	pr, err := PipelineRun(w)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(pr)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), `"value":null`) {
		t.Errorf("a param is null, which Tekton's mutating webhook refuses (F6): %s", data)
	}
	for _, task := range pr.Spec.PipelineSpec.Tasks {
		if v := task.Params[1].Value.StringVal; v != "{}" {
			t.Errorf("step %s: inputs param %q, want {}", task.Name, v)
		}
	}
}

func TestInvalidWorkflowsAreRefusedNamingTheField(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Workflow)
		want   string
	}{
		{"a missing name", func(w *Workflow) { w.Name = "" }, "name: "},
		{"a missing namespace", func(w *Workflow) { w.Namespace = "" }, "namespace: required"},
		{"an owner of another workflow", func(w *Workflow) { w.Owner.UID = "other" }, "owner.uid: other is not the workflow's UID"},
		{"no timeout", func(w *Workflow) { w.Timeout = 0 }, "timeout: 0s, want a positive duration"},
		{"no steps", func(w *Workflow) { w.Steps = nil }, "steps: 0 steps, want 1 to 200"},
		{"a step name that is no DNS label", func(w *Workflow) { w.Steps[0].Name = "Scale_Up" }, `steps[0].name: "Scale_Up"`},
		{"duplicate step names", func(w *Workflow) { w.Steps[1].Name = "a" }, `steps[1].name: duplicate step name "a"`},
		{"a tag instead of a digest", func(w *Workflow) { w.Steps[0].Image = "registry.local/a:1.0" }, `steps[0].image: "registry.local/a:1.0" is not`},
		{"runAfter naming no step", func(w *Workflow) { w.Steps[1].RunAfter = []string{"x"} }, `steps[1].runAfter: "x" names no other step`},
		{"negative retries", func(w *Workflow) { w.Steps[0].Retries = -1 }, "steps[0].retries: -1"},
		{"a negative timeout", func(w *Workflow) { w.Steps[0].Timeout = -time.Second }, "steps[0].timeout: -1s"},
		{"no resource limits", func(w *Workflow) { w.Steps[0].Resources = corev1.ResourceRequirements{} }, "steps[0].resources.limits: required"},
		{"inputs that are no object", func(w *Workflow) { w.Steps[0].Inputs = []byte(`[1]`) }, "steps[0].inputs: inputs must be a JSON object"},
		{"a malformed reference", func(w *Workflow) { w.Steps[1].Inputs = []byte(`{"x":"$(steps.a.output.k)"}`) }, `steps[1].inputs: /x: malformed reference`},
		{"a reference to no step", func(w *Workflow) { w.Steps[1].Inputs = []byte(`{"x":"$(steps.z.outputs.k)"}`) },
			"steps[1].inputs/x: references $(steps.z.outputs.k) of no other step"},
		{"a step referencing itself", func(w *Workflow) { w.Steps[1].Inputs = []byte(`{"x":"$(steps.b.outputs.k)"}`) },
			"steps[1].inputs/x: references $(steps.b.outputs.k) of no other step"},
		{"a workspace step without a workspace", func(w *Workflow) { w.Steps[0].UsesWorkspace = true }, "workspace: required"},
		{"an empty workspace", func(w *Workflow) { w.Steps[0].UsesWorkspace, w.Workspace = true, &Workspace{} }, "workspace.size: 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			w := workflow("wf", step("a", ""), step("b", "", "a"))
			tt.mutate(&w)
			pr, err := PipelineRun(w)
			if !errors.Is(err, ErrInvalidWorkflow) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want ErrInvalidWorkflow containing %q", err, tt.want)
			}
			if pr != nil {
				t.Errorf("a PipelineRun was built: %v", pr.Name)
			}
		})
	}
}

func TestCancelUsesTektonsCancelledStatus(t *testing.T) {
	pr, err := PipelineRun(workflow("wf", step("a", "")))
	if err != nil {
		t.Fatal(err)
	}
	Cancel(pr)
	if pr.Spec.Status != "Cancelled" {
		t.Errorf("spec.status %q, want Cancelled", pr.Spec.Status)
	}
	mustPassTektonValidation(t, pr)
	var patch struct {
		Spec struct{ Status string } `json:"spec"`
	}
	if err := json.Unmarshal(CancelPatch(), &patch); err != nil || patch.Spec.Status != string(pr.Spec.Status) {
		t.Errorf("CancelPatch %s does not set spec.status to %s (%v)", CancelPatch(), pr.Spec.Status, err)
	}
}

// TestTektonValidationRefusesWhatTheWebhookRefuses proves that mustPassTektonValidation is no
// formality: the alpha feature stdoutConfig (F4) and a taskRunSpecs timeout beyond the
// pipeline's fail.
func TestTektonValidationRefusesWhatTheWebhookRefuses(t *testing.T) {
	pr, err := PipelineRun(workflow("wf", step("a", "")))
	if err != nil {
		t.Fatal(err)
	}
	alpha := pr.DeepCopy()
	alpha.Spec.PipelineSpec.Tasks[0].TaskSpec.Steps[0].StdoutConfig = &pipelinev1.StepOutputConfig{Path: "$(results.outputs.path)"}
	if err := tektonValidation(t, alpha); err == nil || !strings.Contains(err.Error(), `"enable-api-fields" feature gate to be "alpha"`) {
		t.Errorf("stdoutConfig passed validation with the default feature flags: %v", err)
	}
	long := pr.DeepCopy()
	long.Spec.TaskRunSpecs[0].Timeout = &metav1.Duration{Duration: time.Hour}
	if err := tektonValidation(t, long); err == nil {
		t.Error("a taskRunSpecs timeout beyond the pipeline's passed validation")
	}
}
