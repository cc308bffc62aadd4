package actionexecution_test

import (
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
)

// With engine tekton, a reference to an earlier step's output is resolved only inside the
// TaskRun, so the controller validates every other input and leaves those to the action's SDK;
// refusals are the same as with engine jobs, and leave nothing behind.
func TestActionExecution_tektonEngineChecksWhatIsKnownBeforeTheRunAndRefusesTheRest(t *testing.T) {
	reg := registrytest.Start(t)
	trusted := newSigner(t)
	signed := pushAction(t, reg, "actions/scale", scaleContract)
	trusted.sign(t, signed)
	unsigned := pushAction(t, reg, "actions/unsigned", scaleContract)
	cases := []struct {
		name, actionType, inputs             string
		wantPhase                            executionv1alpha1.ActionExecutionPhase
		wantInputs                           string // prepared inputs, when Prepared
		wantCondition, wantReason, wantInMsg string // refusal, when Failed
	}{{
		name:       "a whole-value reference stands for a required input, and for an integer one without its default",
		actionType: "test/scale", inputs: `{"deployment":"$(steps.find.outputs.name)","replicas":"$(steps.read.outputs.replicas)"}`,
		wantPhase:  executionv1alpha1.PhasePrepared,
		wantInputs: `{"deployment":"$(steps.find.outputs.name)","replicas":"$(steps.read.outputs.replicas)"}`,
	}, {
		name:       "a reference inside a longer string is kept verbatim while absent inputs get their defaults",
		actionType: "test/scale", inputs: `{"deployment":"web-$(steps.find.outputs.suffix)"}`,
		wantPhase:  executionv1alpha1.PhasePrepared,
		wantInputs: `{"deployment":"web-$(steps.find.outputs.suffix)","replicas":3}`,
	}, {
		name:       "a static value of the wrong type is refused as InvalidInputs even next to a reference",
		actionType: "test/scale", inputs: `{"deployment":"$(steps.find.outputs.name)","replicas":"three"}`,
		wantPhase: executionv1alpha1.PhaseFailed, wantCondition: executionv1alpha1.JobCreatedCondition,
		wantReason: executionv1alpha1.InvalidInputsReason, wantInMsg: "/replicas",
	}, {
		name:       "a malformed reference is refused as InvalidInputs",
		actionType: "test/scale", inputs: `{"deployment":"$(steps.find.output.name)"}`,
		wantPhase: executionv1alpha1.PhaseFailed, wantCondition: executionv1alpha1.JobCreatedCondition,
		wantReason: executionv1alpha1.InvalidInputsReason, wantInMsg: "malformed reference",
	}, {
		name:       "a reference under an input the contract does not declare is refused as InvalidInputs",
		actionType: "test/scale", inputs: `{"deployment":"web","replica":"$(steps.read.outputs.replicas)"}`,
		wantPhase: executionv1alpha1.PhaseFailed, wantCondition: executionv1alpha1.JobCreatedCondition,
		wantReason: executionv1alpha1.InvalidInputsReason, wantInMsg: "unknown input",
	}, {
		name:       "an unsigned image is refused as VerificationFailed",
		actionType: "test/unsigned", inputs: `{"deployment":"web"}`,
		wantPhase: executionv1alpha1.PhaseFailed, wantCondition: executionv1alpha1.VerifiedCondition,
		wantReason: executionv1alpha1.VerificationFailedReason, wantInMsg: "no signature",
	}}
	namespaces := make([]string, len(cases))
	for i := range cases {
		namespaces[i] = newNamespace(t, "tekton-inputs")
	}
	cp := newControlPlane(t, trusted.publicPEM, namespaces...)
	cp.writeRegistry(t,
		registryEntry{actionType: "test/scale", image: signed.String()},
		registryEntry{actionType: "test/unsigned", image: unsigned.String()},
	)
	cp.startManager(t)

	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			ae := newTektonRun(namespaces[i], tc.actionType, tc.inputs)
			create(t, ae)
			got := waitForPhase(t, ae, tc.wantPhase)
			assertNoJob(t, namespaces[i])
			if tc.wantPhase == executionv1alpha1.PhasePrepared {
				g.Expect(string(got.Status.Prepared.Inputs.Raw)).To(MatchJSON(tc.wantInputs))
				return
			}
			step := condition(got, tc.wantCondition)
			g.Expect(step).To(And(HaveField("Status", metav1.ConditionFalse), HaveField("Reason", tc.wantReason)))
			g.Expect(step.Message).To(ContainSubstring(tc.wantInMsg))
			g.Expect(readyReason(got)).To(Equal(tc.wantReason))
			g.Expect(got.Status.Prepared).To(BeNil())
			assertNothingCreated(t, namespaces[i])
			assertEvent(t, got, corev1.EventTypeWarning, tc.wantReason)
		})
	}
}
