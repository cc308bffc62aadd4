package workflowexecution_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"knative.dev/pkg/apis"
	duckv1 "knative.dev/pkg/apis/duck/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	workflowv1alpha1 "github.com/kubernaut/kubernaut/api/workflowexecution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionjob"
)

// The image every prepared step runs in these tests.
const preparedImage = "registry.test/actions/scale@" + testDigest

func TestTektonEngine_verifiesEveryStepThenRunsOnePipelineRun(t *testing.T) {
	h := newHarness(t, "tekton")
	h.tekton = true
	h.start(t)
	wfe := tektonWorkflow(h.ns, "tk",
		step("scale", `{"deployment":"web","replicas":5}`),
		step("check", `{"expected":"$(steps.scale.outputs.replicas)"}`, "scale"))
	wfe.Spec.Steps[1].UsesWorkspace = true
	create(t, wfe)

	scale, check := waitForPreparation(t, wfe, "scale"), waitForPreparation(t, wfe, "check")
	t.Run("each step is first an ActionExecution that prepares it for Tekton, with its inputs verbatim", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(scale.Spec.Engine).To(Equal(executionv1alpha1.EngineTekton))
		g.Expect(string(check.Spec.Inputs.Raw)).To(MatchJSON(`{"expected":"$(steps.scale.outputs.replicas)"}`))
		g.Expect(metav1.IsControlledBy(check, fetch(g, wfe))).To(BeTrue())
	})
	prepare(t, scale, `{"deployment":"web","replicas":5,"wait":true}`, "scale-sa")
	t.Run("no PipelineRun exists until every step is prepared", func(t *testing.T) {
		g := NewWithT(t)
		g.Consistently(func() bool { return apierrors.IsNotFound(getPipelineRun(wfe, &pipelinev1.PipelineRun{})) },
			time.Second, poll).Should(BeTrue())
		got := fetch(g, wfe)
		g.Expect(got.Status.Engine).To(Equal(workflowv1alpha1.EngineTekton))
		g.Expect(got.Status.StepStatus("scale").VerifiedDigest).To(Equal(testDigest))
	})
	prepare(t, check, `{"expected":"$(steps.scale.outputs.replicas)"}`, "")
	pr := waitForPipelineRun(t, wfe)
	t.Run("the PipelineRun runs the verified images with the prepared identities", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(metav1.IsControlledBy(pr, fetch(g, wfe))).To(BeTrue())
		g.Expect(pr.Spec.PipelineSpec.Tasks).To(HaveLen(2))
		g.Expect(pr.Spec.PipelineSpec.Tasks[1].RunAfter).To(Equal([]string{"scale"}))
		g.Expect(paramOf(pr.Spec.PipelineSpec.Tasks[0], "image")).To(Equal(preparedImage))
		g.Expect(pr.Spec.TaskRunSpecs).To(ContainElement(HaveField("ServiceAccountName", "scale-sa")))
		g.Expect(fetch(g, wfe).Status.PipelineRunRef).To(Equal(&workflowv1alpha1.ObjectReference{Kind: "PipelineRun", Name: pr.Name}))
	})

	start := metav1.NewTime(epoch.Add(time.Second))
	finishTaskRun(t, pr, "scale", start, corev1.ConditionTrue, "Succeeded", 0, `{"replicas":5}`)
	got := waitForStep(t, wfe, "scale", workflowv1alpha1.StepCompleted)
	t.Run("a succeeded TaskRun completes its step with its outputs, as a succeeded Job does", func(t *testing.T) {
		g := NewWithT(t)
		st := got.Status.StepStatus("scale")
		g.Expect(st.Reason).To(Equal(executionv1alpha1.SucceededReason))
		g.Expect(string(st.Outputs.Raw)).To(MatchJSON(`{"replicas":5}`))
		g.Expect(st.ChildRef).To(Equal(&workflowv1alpha1.ObjectReference{Kind: "TaskRun", Name: pr.Name + "-scale"}))
		g.Expect(st.Attempts).To(Equal(int32(1)))
	})

	finishTaskRun(t, pr, "check", start, corev1.ConditionFalse, "Failed", 1, "")
	finishPipelineRun(t, pr, corev1.ConditionFalse, "Failed", "Tasks Completed: 2 (Failed: 1, Cancelled 0), Skipped: 0")
	done := waitForPhase(t, wfe, workflowv1alpha1.WorkflowFailed)
	t.Run("a failed TaskRun fails the workflow with the step and reason the Job engine gives", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(done.Status.FailedStep).To(Equal("check"))
		g.Expect(ready(done).Reason).To(Equal(workflowv1alpha1.StepFailedReason))
		g.Expect(done.Status.StepStatus("check").Reason).To(Equal(executionv1alpha1.JobFailedReason))
	})
	t.Run("once the workflow ended, the preparations and the RBAC they hold are released", func(t *testing.T) {
		NewWithT(t).Eventually(func() []executionv1alpha1.ActionExecution { return children(t, wfe) },
			eventually, poll).Should(BeEmpty())
		NewWithT(t).Expect(done.Status.StepStatus("scale").VerifiedDigest).To(Equal(testDigest), "the verification stays on record")
	})
}

func TestTektonEngine_aRefusedImageFailsTheWorkflowAndCreatesNoPipelineRun(t *testing.T) {
	g := NewWithT(t)
	h := newHarness(t, "tekton-refused")
	h.tekton = true
	h.start(t)
	wfe := tektonWorkflow(h.ns, "tk", step("scale", `{}`), step("after", `{}`, "scale"), step("aside", `{}`))
	create(t, wfe)

	scale := waitForPreparation(t, wfe, "scale")
	prepare(t, waitForPreparation(t, wfe, "aside"), `{}`, "")
	failChild(t, scale, executionv1alpha1.VerificationFailedReason, "no signature matches the trusted keys", epoch)
	done := waitForPhase(t, wfe, workflowv1alpha1.WorkflowFailed)
	g.Expect(done.Status.FailedStep).To(Equal("scale"))
	g.Expect(done.Status.StepStatus("scale")).To(And(HaveField("Phase", workflowv1alpha1.StepFailed),
		HaveField("Reason", executionv1alpha1.VerificationFailedReason),
		HaveField("Attempts", int32(1))), "the refusal counts as the attempt, as on the Job engine")
	g.Expect(done.Status.StepStatus("after")).To(And(HaveField("Phase", workflowv1alpha1.StepSkipped),
		HaveField("Reason", workflowv1alpha1.UpstreamNotCompletedReason)))
	g.Expect(done.Status.StepStatus("aside").Phase).To(Equal(workflowv1alpha1.StepSkipped))
	g.Consistently(func() bool { return apierrors.IsNotFound(getPipelineRun(wfe, &pipelinev1.PipelineRun{})) },
		time.Second, poll).Should(BeTrue(), "a refused step creates no PipelineRun")
}

func TestTektonEngine_cancellingAsksTektonToCancelThePipelineRun(t *testing.T) {
	h := newHarness(t, "tekton-cancel")
	h.tekton = true
	h.start(t)
	wfe := tektonWorkflow(h.ns, "tk", step("scale", `{}`))
	create(t, wfe)
	prepare(t, waitForPreparation(t, wfe, "scale"), `{}`, "")
	pr := waitForPipelineRun(t, wfe)

	setCancel(t, wfe)
	NewWithT(t).Eventually(func(g Gomega) {
		g.Expect(getPipelineRun(wfe, pr)).To(Succeed())
		g.Expect(string(pr.Spec.Status)).To(Equal(pipelinev1.PipelineRunSpecStatusCancelled))
	}, eventually, poll).Should(Succeed())
	finishPipelineRun(t, pr, corev1.ConditionFalse, pipelinev1.PipelineRunReasonCancelled.String(), "PipelineRun was cancelled")
	done := waitForPhase(t, wfe, workflowv1alpha1.WorkflowCancelled)
	NewWithT(t).Expect(done.Status.StepStatus("scale").Phase).To(Equal(workflowv1alpha1.StepCancelled))
}

// tektonWorkflow is a workflow the kubernaut.ai/engine annotation sends to Tekton.
func tektonWorkflow(ns, name string, steps ...workflowv1alpha1.WorkflowStep) *workflowv1alpha1.WorkflowExecution {
	wfe := newWorkflow(ns, name, steps...)
	wfe.Annotations = map[string]string{workflowv1alpha1.EngineAnnotation: string(workflowv1alpha1.EngineTekton)}
	return wfe
}

// waitForPreparation waits for the ActionExecution that prepares a step for Tekton.
func waitForPreparation(t testing.TB, wfe *workflowv1alpha1.WorkflowExecution, step string) *executionv1alpha1.ActionExecution {
	t.Helper()
	ae := &executionv1alpha1.ActionExecution{}
	key := client.ObjectKey{Namespace: wfe.Namespace, Name: actionjob.ChildName(wfe.Name, step)}
	NewWithT(t).Eventually(func() error { return env.Client.Get(context.Background(), key, ae) },
		eventually, poll).Should(Succeed(), "the ActionExecution preparing step %s", step)
	return ae
}

// prepare plays the ActionExecution controller: the step passed every check.
func prepare(t testing.TB, ae *executionv1alpha1.ActionExecution, inputs, serviceAccount string) {
	t.Helper()
	writeChildStatus(t, ae, func(s *executionv1alpha1.ActionExecutionStatus) {
		s.ObservedGeneration = 1
		s.Phase = executionv1alpha1.PhasePrepared
		s.VerifiedDigest, s.Signer = testDigest, testSigner.DeepCopy()
		s.Contract = &executionv1alpha1.ContractReference{Name: "scale-test", Version: "v1.2.3"}
		s.Prepared = &executionv1alpha1.PreparedLaunch{
			Image: preparedImage, ServiceAccountName: serviceAccount,
			Inputs: &runtime.RawExtension{Raw: []byte(inputs)},
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
			},
		}
		s.Conditions = []metav1.Condition{readyCondition(metav1.ConditionTrue, executionv1alpha1.PreparedReason, "Verified and prepared", epoch)}
	})
}

func getPipelineRun(wfe *workflowv1alpha1.WorkflowExecution, pr *pipelinev1.PipelineRun) error {
	return env.Client.Get(context.Background(), client.ObjectKeyFromObject(wfe), pr)
}

func waitForPipelineRun(t testing.TB, wfe *workflowv1alpha1.WorkflowExecution) *pipelinev1.PipelineRun {
	t.Helper()
	pr := &pipelinev1.PipelineRun{}
	NewWithT(t).Eventually(func() error { return getPipelineRun(wfe, pr) }, eventually, poll).Should(Succeed())
	return pr
}

func paramOf(task pipelinev1.PipelineTask, name string) string {
	for _, p := range task.Params {
		if p.Name == name {
			return p.Value.StringVal
		}
	}
	return ""
}

// finishTaskRun plays Tekton: it creates the TaskRun of a pipeline task, as Tekton names and
// labels it, and writes its final status (exit code of the action step, the outputs result).
func finishTaskRun(t testing.TB, pr *pipelinev1.PipelineRun, task string, start metav1.Time, status corev1.ConditionStatus, reason string, exitCode int32, outputs string) {
	t.Helper()
	tr := &pipelinev1.TaskRun{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: pr.Namespace, Name: pr.Name + "-" + task,
			Labels: map[string]string{
				"tekton.dev/pipelineRun": pr.Name, "tekton.dev/pipelineTask": task,
				"app.kubernetes.io/managed-by": "kubernaut",
			},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(pr, pipelinev1.SchemeGroupVersion.WithKind("PipelineRun"))},
		},
		Spec: pipelinev1.TaskRunSpec{TaskRef: &pipelinev1.TaskRef{Name: "kubernaut-action"}},
	}
	create(t, tr)
	end := metav1.NewTime(start.Add(2 * time.Second))
	tr.Status = pipelinev1.TaskRunStatus{
		Status: duckv1.Status{Conditions: duckv1.Conditions{{Type: apis.ConditionSucceeded, Status: status, Reason: reason, Message: reason}}},
		TaskRunStatusFields: pipelinev1.TaskRunStatusFields{
			PodName: tr.Name + "-pod", StartTime: &start, CompletionTime: &end,
			Steps: []pipelinev1.StepState{{Name: "action", Container: "step-action",
				ContainerState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: exitCode}}}},
		},
	}
	if outputs != "" {
		tr.Status.Results = []pipelinev1.TaskRunResult{{Name: "outputs", Type: pipelinev1.ResultsTypeString, Value: *pipelinev1.NewStructuredValues(outputs)}}
	}
	if err := env.Client.Status().Update(context.Background(), tr); err != nil {
		t.Fatalf("write the status of TaskRun %s: %v", tr.Name, err)
	}
	addChildReference(t, pr, task, tr.Name)
}

// addChildReference records a TaskRun in the PipelineRun's status, as Tekton does.
func addChildReference(t testing.TB, pr *pipelinev1.PipelineRun, task, taskRun string) {
	t.Helper()
	if err := getPipelineRun(&workflowv1alpha1.WorkflowExecution{ObjectMeta: pr.ObjectMeta}, pr); err != nil {
		t.Fatalf("read PipelineRun: %v", err)
	}
	pr.Status.ChildReferences = append(pr.Status.ChildReferences, pipelinev1.ChildStatusReference{
		TypeMeta:         runtime.TypeMeta{APIVersion: "tekton.dev/v1", Kind: "TaskRun"},
		Name:             taskRun,
		PipelineTaskName: task,
	})
	if err := env.Client.Status().Update(context.Background(), pr); err != nil {
		t.Fatalf("write the child references of PipelineRun %s: %v", pr.Name, err)
	}
}

// finishPipelineRun writes the PipelineRun's Succeeded condition, as Tekton does at its end.
func finishPipelineRun(t testing.TB, pr *pipelinev1.PipelineRun, status corev1.ConditionStatus, reason, message string) {
	t.Helper()
	if err := getPipelineRun(&workflowv1alpha1.WorkflowExecution{ObjectMeta: pr.ObjectMeta}, pr); err != nil {
		t.Fatalf("read PipelineRun: %v", err)
	}
	pr.Status.SetCondition(&apis.Condition{Type: apis.ConditionSucceeded, Status: status, Reason: reason, Message: message})
	if err := env.Client.Status().Update(context.Background(), pr); err != nil {
		t.Fatalf("write the status of PipelineRun %s: %v", pr.Name, err)
	}
}

func TestTektonEngine_cancellingBeforeThePipelineRunExistsCancelsEveryStep(t *testing.T) {
	h := newHarness(t, "tekton-cancel-early")
	h.tekton = true
	h.start(t)
	wfe := tektonWorkflow(h.ns, "tk", step("scale", `{}`), step("after", `{}`, "scale"))
	create(t, wfe)
	waitForPreparation(t, wfe, "scale") // verifying: never prepared in this test

	setCancel(t, wfe)
	done := waitForPhase(t, wfe, workflowv1alpha1.WorkflowCancelled)
	g := NewWithT(t)
	for _, name := range []string{"scale", "after"} {
		g.Expect(done.Status.StepStatus(name)).To(And(HaveField("Phase", workflowv1alpha1.StepCancelled),
			HaveField("Reason", workflowv1alpha1.CancelledReason)), name)
	}
	g.Expect(apierrors.IsNotFound(getPipelineRun(wfe, &pipelinev1.PipelineRun{}))).To(BeTrue(), "nothing ran, so no PipelineRun exists")
}
