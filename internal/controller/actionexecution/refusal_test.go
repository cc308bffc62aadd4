package actionexecution_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionregistry"
	"github.com/kubernaut/kubernaut/internal/registry/registrytest"
)

// refusalImages are the images of the refusal cases, as digest references.
type refusalImages struct {
	scale, unsigned, wrongKey, noContract, privileged, greedy string
}

// publishRefusalImages pushes one image per way to be refused; all but the unsigned and the
// wrong-key image are signed by trusted.
func publishRefusalImages(t *testing.T, reg *registrytest.Registry, trusted *signer) refusalImages {
	t.Helper()
	signed := func(repo, contractYAML string, by *signer) string {
		ref := pushAction(t, reg, repo, contractYAML)
		by.sign(t, ref)
		return ref.String()
	}
	noContract := registrytest.PushRandomImage(t, reg.Host+"/actions/no-contract") // holds no contract at all
	trusted.sign(t, noContract)
	return refusalImages{
		scale:      signed("actions/scale", scaleContract, trusted),
		unsigned:   pushAction(t, reg, "actions/unsigned", scaleContract).String(),
		wrongKey:   signed("actions/wrong-key", scaleContract, newSigner(t)),
		noContract: noContract.String(),
		privileged: signed("actions/privileged", privilegedContract, trusted),
		greedy:     signed("actions/greedy", greedyContract, trusted),
	}
}

// refusalCase is one way to be refused: the ActionExecution, and the step condition, reason and
// part of the message it must end with.
type refusalCase struct {
	name       string
	actionType string
	inputs     string
	image      string
	condition  string
	wantReason string
	wantInMsg  string
}

func refusalCases(img refusalImages) []refusalCase {
	return []refusalCase{{
		name:       "an action type without a registry entry is refused as UnknownActionType",
		actionType: "test/missing", condition: executionv1alpha1.VerifiedCondition,
		wantReason: executionv1alpha1.UnknownActionTypeReason, wantInMsg: "test/missing",
	}, {
		name:       "an image other than the registry's is refused as ImageNotAllowed",
		actionType: "test/scale", inputs: `{"deployment":"web"}`, image: img.unsigned, condition: executionv1alpha1.VerifiedCondition,
		wantReason: executionv1alpha1.ImageNotAllowedReason, wantInMsg: img.unsigned,
	}, {
		name:       "an unsigned image is refused as VerificationFailed",
		actionType: "test/unsigned", condition: executionv1alpha1.VerifiedCondition,
		wantReason: executionv1alpha1.VerificationFailedReason, wantInMsg: "no signature",
	}, {
		name:       "an image signed with an untrusted key is refused as VerificationFailed",
		actionType: "test/wrong-key", condition: executionv1alpha1.VerifiedCondition,
		wantReason: executionv1alpha1.VerificationFailedReason, wantInMsg: "trusted key",
	}, {
		name:       "a signed image without a contract is refused as ContractInvalid",
		actionType: "test/no-contract", condition: executionv1alpha1.ContractLoadedCondition,
		wantReason: executionv1alpha1.ContractInvalidReason, wantInMsg: "no contract",
	}, {
		name:       "inputs missing a required input are refused as InvalidInputs",
		actionType: "test/scale", inputs: `{"replicas":2}`, condition: executionv1alpha1.JobCreatedCondition,
		wantReason: executionv1alpha1.InvalidInputsReason, wantInMsg: "/deployment",
	}, {
		name:       "a contract asking for a privileged container is refused as SecurityContextRejected",
		actionType: "test/privileged", condition: executionv1alpha1.JobCreatedCondition,
		wantReason: executionv1alpha1.SecurityContextRejectedReason, wantInMsg: "privileged",
	}, {
		name:       "a contract asking for more than the ceiling is refused as PermissionsExceedCeiling",
		actionType: "test/greedy", condition: executionv1alpha1.JobCreatedCondition,
		wantReason: executionv1alpha1.PermissionsExceedCeilingReason, wantInMsg: "secrets",
	}}
}

func TestActionExecution_refusesBeforeCreatingAnything(t *testing.T) {
	trusted := newSigner(t)
	img := publishRefusalImages(t, registrytest.Start(t), trusted)
	cases := refusalCases(img)
	namespaces := make([]string, len(cases))
	for i := range cases {
		namespaces[i] = newNamespace(t, "refusal")
	}
	cp := newControlPlane(t, trusted.publicPEM, namespaces...)
	cp.writeRegistry(t,
		registryEntry{actionType: "test/scale", image: img.scale},
		registryEntry{actionType: "test/unsigned", image: img.unsigned},
		registryEntry{actionType: "test/wrong-key", image: img.wrongKey},
		registryEntry{actionType: "test/no-contract", image: img.noContract},
		registryEntry{actionType: "test/privileged", image: img.privileged},
		registryEntry{actionType: "test/greedy", image: img.greedy},
	)
	cp.startManager(t)

	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			ae := newActionExecution(namespaces[i], tc.actionType, tc.inputs)
			ae.Spec.Image = tc.image
			create(t, ae)
			failed := waitForPhase(t, ae, executionv1alpha1.PhaseFailed)
			step := condition(failed, tc.condition)
			g.Expect(step).To(And(HaveField("Status", metav1.ConditionFalse), HaveField("Reason", tc.wantReason)))
			g.Expect(step.Message).To(ContainSubstring(tc.wantInMsg))
			g.Expect(readyReason(failed)).To(Equal(tc.wantReason))
			g.Expect(failed.Status.ObservedGeneration).To(Equal(failed.Generation))
			g.Expect(failed.Status.JobRef).To(BeNil())
			assertNothingCreated(t, namespaces[i])
			assertEvent(t, failed, corev1.EventTypeWarning, tc.wantReason)
			g.Expect(metricValue(t, "kubernaut_actionexecution_finished_total",
				map[string]string{"phase": "Failed", "reason": tc.wantReason})).To(BeNumerically(">=", 1))
		})
	}
	g := NewWithT(t)
	g.Expect(metricValue(t, "kubernaut_actionexecution_verification_seconds", map[string]string{"result": "failed"})).To(BeNumerically(">=", 1),
		"the unsigned and wrong-key cases are failed verifications")
}

// assertNothingCreated checks that a refused run left no Job, ServiceAccount, Role or
// RoleBinding in its namespace. envtest runs no controller that would create a default
// ServiceAccount, so any ServiceAccount would be the controller's.
func assertNothingCreated(t *testing.T, ns string) {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	for _, list := range []client.ObjectList{
		&batchv1.JobList{}, &corev1.ServiceAccountList{}, &rbacv1.RoleList{}, &rbacv1.RoleBindingList{},
	} {
		g.Expect(env.Client.List(ctx, list, client.InNamespace(ns))).To(Succeed())
		g.Expect(list).To(HaveField("Items", BeEmpty()), "%T in %s", list, ns)
	}
}

// assertEvent waits for an event about ae with the given type and reason.
func assertEvent(t *testing.T, ae *executionv1alpha1.ActionExecution, eventType, reason string) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		var events eventsv1.EventList
		g.Expect(env.Client.List(context.Background(), &events, client.InNamespace(ae.Namespace))).To(Succeed())
		g.Expect(events.Items).To(ContainElement(And(
			HaveField("Regarding.UID", ae.UID), HaveField("Type", eventType), HaveField("Reason", reason))))
	}, eventually, poll).Should(Succeed())
}

func TestActionExecution_runsUnverifiedImagesOnlyWhenTheRegistrySaysSoAndWarns(t *testing.T) {
	reg := registrytest.Start(t)
	trusted := newSigner(t)
	unsigned := pushAction(t, reg, "actions/unsigned", scaleContract).String()
	ns := newNamespace(t, "modes")
	cp := newControlPlane(t, trusted.publicPEM, ns)
	cp.writeRegistry(t,
		registryEntry{actionType: "test/warn", image: unsigned, verification: actionregistry.ModeWarn},
		registryEntry{actionType: "test/disabled", image: unsigned, verification: actionregistry.ModeDisabled},
	)
	cp.startManager(t)
	for _, tc := range []struct {
		name, actionType, wantReason string
	}{
		{"warn mode runs an unsigned image with VerificationFailed on Verified", "test/warn", executionv1alpha1.VerificationFailedReason},
		{"disabled mode runs an image unverified with VerificationDisabled on Verified", "test/disabled", executionv1alpha1.VerificationDisabledReason},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			ae := newActionExecution(ns, tc.actionType, `{"deployment":"web"}`)
			create(t, ae)
			running := waitForPhase(t, ae, executionv1alpha1.PhaseRunning)
			g.Expect(condition(running, executionv1alpha1.VerifiedCondition)).To(And(
				HaveField("Status", metav1.ConditionFalse), HaveField("Reason", tc.wantReason)))
			g.Expect(running.Status.VerifiedDigest).To(BeEmpty(), "nothing was verified")
			g.Expect(running.Status.Signer).To(BeNil())
			g.Expect(jobOf(t, ae).Spec.Template.Spec.Containers[0].Image).To(Equal(unsigned))
			assertEvent(t, running, corev1.EventTypeWarning, tc.wantReason)
		})
	}
}

func TestActionExecution_neverAdoptsAJobItDidNotCreate(t *testing.T) {
	g := NewWithT(t)
	s := newScaleSetup(t)
	foreign := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Namespace: s.ns, Name: "taken"},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers:    []corev1.Container{{Name: "c", Image: s.image}},
		}}},
	}
	create(t, foreign)
	s.cp.startManager(t)

	ae := newActionExecution(s.ns, "test/scale", `{"deployment":"web"}`)
	ae.GenerateName, ae.Name = "", "taken"
	create(t, ae)
	failed := waitForPhase(t, ae, executionv1alpha1.PhaseFailed)
	g.Expect(condition(failed, executionv1alpha1.JobCreatedCondition)).To(And(
		HaveField("Reason", executionv1alpha1.JobFailedReason),
		HaveField("Message", ContainSubstring("was not created for this ActionExecution"))))
	g.Expect(failed.Status.JobRef).To(BeNil(), "the foreign Job is not reported as the run's")
	job := &batchv1.Job{}
	g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(foreign), job)).To(Succeed())
	g.Expect(job.OwnerReferences).To(BeEmpty(), "the foreign Job is left alone")
}
