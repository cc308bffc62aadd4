package actionexecution_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	. "github.com/onsi/gomega"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/testutil/envtest"
)

// A controller that stops right after creating the Job never writes the status recording what it
// verified; the run must not stay without its digest, signer and contract, since a run with a Job
// is never verified again.
func TestActionExecution_restoresWhatWasVerifiedWhenTheStatusWriteAfterLaunchWasLost(t *testing.T) {
	g := NewWithT(t)
	s := newScaleSetup(t)
	s.cp.startManager(t)
	ae := newActionExecution(s.ns, "test/scale", `{"deployment":"web"}`)
	create(t, ae)
	running := waitForPhase(t, ae, executionv1alpha1.PhaseRunning)

	lost := running.DeepCopy()
	lost.Status.VerifiedDigest, lost.Status.Signer, lost.Status.Contract = "", nil, nil
	for _, c := range []string{executionv1alpha1.VerifiedCondition, executionv1alpha1.ContractLoadedCondition} {
		apimeta.RemoveStatusCondition(&lost.Status.Conditions, c)
	}
	ctx := envtest.Context(t)
	g.Expect(env.Client.Status().Update(ctx, lost)).To(Succeed())
	// Any event of the run wakes the controller; touching the Job is the one a real restart
	// would not even need (a restarted controller reconciles every run).
	job := jobOf(t, ae)
	patch := client.MergeFrom(job.DeepCopy())
	job.Labels["test/touched"] = "yes"
	g.Expect(env.Client.Patch(context.Background(), job, patch)).To(Succeed())

	g.Eventually(func(g Gomega) {
		got := fetch(g, ae)
		g.Expect(got.Status.VerifiedDigest).To(Equal(running.Status.VerifiedDigest))
		g.Expect(got.Status.Signer).To(Equal(running.Status.Signer))
		g.Expect(got.Status.Contract).To(Equal(running.Status.Contract))
		for _, c := range []string{executionv1alpha1.VerifiedCondition, executionv1alpha1.ContractLoadedCondition} {
			if diff := cmp.Diff(condition(running, c), condition(got, c), cmpopts.IgnoreFields(metav1.Condition{}, "ObservedGeneration")); diff != "" {
				g.Expect(diff).To(BeEmpty(), "condition %s (-before +restored)", c)
			}
		}
	}, eventually, poll).Should(Succeed())
}
