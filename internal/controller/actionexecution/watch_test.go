package actionexecution_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
)

// The controller watches its namespace's ConfigMaps and Secrets: a run that waits for the
// registry or the trust material goes on within seconds of their being fixed.

func TestActionExecution_waitsForMissingTrustMaterialAndGoesOnWhenItAppears(t *testing.T) {
	s := newSignedAction(t, "trust", "actions/scale", scaleContract)
	secret := &corev1.Secret{}
	g := NewWithT(t)
	g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Namespace: s.cp.namespace, Name: "cosign-pub"}, secret)).To(Succeed())
	g.Expect(env.Client.Delete(context.Background(), secret)).To(Succeed())
	s.cp.writeRegistry(t, registryEntry{actionType: "test/scale", image: s.image})
	s.cp.startManager(t)

	ae := newActionExecution(s.ns, "test/scale", `{"deployment":"web"}`)
	create(t, ae)
	g.Eventually(func(g Gomega) {
		got := fetch(g, ae)
		g.Expect(got.Status.Phase).To(Equal(executionv1alpha1.PhaseVerifying))
		g.Expect(condition(got, executionv1alpha1.ReadyCondition).Message).To(ContainSubstring("cosign-pub"))
	}, eventually, poll).Should(Succeed())

	create(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: secret.Namespace, Name: secret.Name},
		Data:       secret.Data,
	})
	waitForPhase(t, ae, executionv1alpha1.PhaseRunning)
}

func TestActionExecution_waitsForABrokenRegistryAndGoesOnWhenItIsFixed(t *testing.T) {
	s := newSignedAction(t, "registry", "actions/scale", scaleContract)
	s.cp.writeRegistryData(t, map[string]string{"registry.yml": "{}"}) // misspelt key
	s.cp.startManager(t)

	ae := newActionExecution(s.ns, "test/scale", `{"deployment":"web"}`)
	create(t, ae)
	NewWithT(t).Eventually(func(g Gomega) {
		got := fetch(g, ae)
		g.Expect(got.Status.Phase).To(Equal(executionv1alpha1.PhaseVerifying))
		g.Expect(condition(got, executionv1alpha1.ReadyCondition).Message).To(ContainSubstring("registry.yml"))
	}, eventually, poll).Should(Succeed())

	s.cp.writeRegistry(t, registryEntry{actionType: "test/scale", image: s.image})
	waitForPhase(t, ae, executionv1alpha1.PhaseRunning)
}
