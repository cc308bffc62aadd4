//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
)

// TestActionExecution_managerInTheClusterRunsOnlySignedActions deploys config/default with the
// manager image built by the project's builder (internal/devcluster/deploy), trusts a fresh key,
// and checks that the manager, running as a pod under the restricted profile with only its
// shipped RBAC, really runs a signed action and puts its outputs into status, grants an action
// exactly its contract's permissions (patch allowed, delete forbidden by the API server), and
// refuses an unsigned image, a signature by an untrusted key, a tampered image carrying a
// signature copied from the original, and a contract asking for privileged, each before any Job
// exists.
func TestActionExecution_managerInTheClusterRunsOnlySignedActions(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	greetDir := filepath.Join("testdata", "greet-action")
	greetRef := pushAction(t, ctx, "e2e/greet", greetDir, filepath.Join(greetDir, "action-contract.yaml"))
	patchDir := filepath.Join("testdata", "patch-action")
	patchRef := pushAction(t, ctx, "e2e/patch", patchDir, filepath.Join(patchDir, "action-contract.yaml"))
	privilegedRef := pushAction(t, ctx, "e2e/privileged", greetDir, filepath.Join("testdata", "privileged-contract.yaml"))
	// The same image in another repository, where only an untrusted key signed it.
	wrongKeyRef := pushAction(t, ctx, "e2e/wrong-key", greetDir, filepath.Join(greetDir, "action-contract.yaml"))
	key := newSigner(t)
	for _, ref := range []string{greetRef, patchRef, privilegedRef} {
		key.sign(t, ctx, ref)
	}
	newSigner(t).sign(t, ctx, wrongKeyRef)
	tamperedRef := tamperedCopy(t, ctx, greetRef)

	c := deployManager(t, ctx, key, map[string]string{
		"e2e/greet":      greetRef,
		"e2e/patch":      patchRef,
		"e2e/unsigned":   suite.echoImage, // pushed by TestMain, never signed
		"e2e/wrong-key":  wrongKeyRef,
		"e2e/tampered":   tamperedRef,
		"e2e/privileged": privilegedRef,
	})

	t.Run("a signed action runs and its outputs appear in status", signedSubtest(ctx, c, greetRef))

	t.Run("a contract granting deployments get,patch can patch but not delete", patchSubtest(ctx, c))

	for _, tc := range []struct{ name, actionType, inputs, reason, inMessage string }{
		{"an unsigned image is refused before any Job exists", "e2e/unsigned", `{}`,
			executionv1alpha1.VerificationFailedReason, "no signature found"},
		{"a signature by an untrusted key is refused before any Job exists", "e2e/wrong-key", `{"name":"x"}`,
			executionv1alpha1.VerificationFailedReason, "not made by a trusted key"},
		{"a tampered digest with the original's signature copied onto it is refused before any Job exists", "e2e/tampered", `{"name":"x"}`,
			executionv1alpha1.VerificationFailedReason, "signature is for a different image"},
		{"a signed contract asking for privileged is refused before any Job exists", "e2e/privileged", `{"name":"x"}`,
			executionv1alpha1.SecurityContextRejectedReason, "privileged"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := createNamespace(t, ctx, c, "e2e-refused-")
			done := runAction(t, ctx, c, ns, "refused", tc.actionType, tc.inputs)
			assertRefusedWithoutJob(t, ctx, done, tc.reason, tc.inMessage)
		})
	}
}

// signedSubtest runs the signed greet action: it must succeed with its output in status, the
// verified digest and signer recorded, and a Job that runs exactly that digest.
func signedSubtest(ctx context.Context, c client.Client, greetRef string) func(t *testing.T) {
	return func(t *testing.T) {
		ns := createNamespace(t, ctx, c, "e2e-signed-")
		done := runAction(t, ctx, c, ns, "greet", "e2e/greet", `{"name":"kubernaut"}`)
		if done.Status.Phase != executionv1alpha1.PhaseSucceeded {
			t.Fatalf("phase = %s, want Succeeded; conditions: %+v", done.Status.Phase, done.Status.Conditions)
		}
		var outputs map[string]any
		if err := json.Unmarshal(done.Status.Outputs.Raw, &outputs); err != nil {
			t.Fatalf("status.outputs %q: %v", done.Status.Outputs.Raw, err)
		}
		if diff := cmp.Diff(map[string]any{"greeting": "hello, kubernaut"}, outputs); diff != "" {
			t.Errorf("status.outputs (-want +got):\n%s", diff)
		}
		if want := greetRef[len(greetRef)-71:]; done.Status.VerifiedDigest != want {
			t.Errorf("status.verifiedDigest = %q, want %q", done.Status.VerifiedDigest, want)
		}
		if done.Status.Signer == nil || done.Status.Signer.KeyID == "" {
			t.Errorf("status.signer = %+v, want the trusted key's id", done.Status.Signer)
		}
		if done.Status.JobRef == nil {
			t.Fatal("status.jobRef is empty after a successful run")
		}
		job, err := suite.client.BatchV1().Jobs(ns).Get(ctx, done.Status.JobRef.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("the run's Job: %v", err)
		}
		if got := job.Spec.Template.Spec.Containers[0].Image; got != greetRef {
			t.Errorf("Job image = %q, want the verified digest %q", got, greetRef)
		}
	}
}

// assertRefusedWithoutJob checks that the run failed with reason, a message naming the cause,
// and that its namespace holds no Job.
func assertRefusedWithoutJob(t *testing.T, ctx context.Context, done *executionv1alpha1.ActionExecution, reason, inMessage string) {
	t.Helper()
	ready := meta.FindStatusCondition(done.Status.Conditions, executionv1alpha1.ReadyCondition)
	if done.Status.Phase != executionv1alpha1.PhaseFailed || ready == nil || ready.Reason != reason {
		t.Fatalf("phase %s, Ready %+v; want Failed with reason %s", done.Status.Phase, ready, reason)
	}
	if !strings.Contains(ready.Message, inMessage) {
		t.Errorf("Ready message %q does not name the cause %q", ready.Message, inMessage)
	}
	if done.Status.JobRef != nil {
		t.Errorf("status.jobRef = %+v, want none", done.Status.JobRef)
	}
	jobs, err := suite.client.BatchV1().Jobs(done.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs.Items {
		t.Errorf("Job %s exists in the refused run's namespace", j.Name)
	}
}

// patchSubtest runs the action whose contract grants `deployments get,patch` against a
// Deployment of its namespace: the patch must go through and the delete must be forbidden by
// the API server's RBAC, so the Deployment is still there, annotated, afterwards.
func patchSubtest(ctx context.Context, c client.Client) func(t *testing.T) {
	return func(t *testing.T) {
		ns := createNamespace(t, ctx, c, "e2e-rbac-")
		replicas := int32(0)
		labels := map[string]string{"app": "web"}
		target := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
			Spec: appsv1.DeploymentSpec{
				Replicas: &replicas,
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: suite.echoImage}}},
				},
			},
		}
		if _, err := suite.client.AppsV1().Deployments(ns).Create(ctx, target, metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating the target Deployment: %v", err)
		}
		done := runAction(t, ctx, c, ns, "patch", "e2e/patch", `{"deployment":"web"}`)
		if done.Status.Phase != executionv1alpha1.PhaseSucceeded {
			t.Fatalf("phase = %s, want Succeeded; conditions: %+v", done.Status.Phase, done.Status.Conditions)
		}
		var outputs map[string]any
		if err := json.Unmarshal(done.Status.Outputs.Raw, &outputs); err != nil {
			t.Fatalf("status.outputs %q: %v", done.Status.Outputs.Raw, err)
		}
		want := map[string]any{"patchStatus": float64(200), "deleteStatus": float64(403)}
		if diff := cmp.Diff(want, outputs); diff != "" {
			t.Errorf("HTTP statuses the action saw (-want +got):\n%s", diff)
		}
		got, err := suite.client.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("the Deployment after the run: %v", err)
		}
		if v := got.Annotations["e2e.kubernaut.ai/patched-by"]; v != "patch-action" {
			t.Errorf("annotation e2e.kubernaut.ai/patched-by = %q, want the action's patch", v)
		}
	}
}

// createNamespace creates a namespace for the test's runs and deletes it at the end.
func createNamespace(t *testing.T, ctx context.Context, c client.Client, prefix string) string {
	t.Helper()
	ns, err := suite.client.CoreV1().Namespaces().Create(ctx,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { deleteNamespace(t, c, ns.Name) })
	return ns.Name
}

// deleteNamespace deletes the runs first, while the manager still runs to release their
// finalizers, then the namespace, and waits until it is gone.
func deleteNamespace(t *testing.T, c client.Client, ns string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.DeleteAllOf(ctx, &executionv1alpha1.ActionExecution{}, client.InNamespace(ns)); err != nil {
		t.Errorf("deleting the runs in %s: %v", ns, err)
	}
	if err := suite.client.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		t.Errorf("deleting namespace %s: %v", ns, err)
		return
	}
	err := wait.PollUntilContextCancel(ctx, time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := suite.client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		t.Errorf("namespace %s still there: %v", ns, err)
	}
}

// runAction creates an ActionExecution and waits until it reaches a terminal phase.
func runAction(t *testing.T, ctx context.Context, c client.Client, ns, name, actionType, inputs string) *executionv1alpha1.ActionExecution {
	t.Helper()
	ae := &executionv1alpha1.ActionExecution{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: executionv1alpha1.ActionExecutionSpec{
			ActionType: actionType,
			Inputs:     &runtime.RawExtension{Raw: []byte(inputs)},
		},
	}
	if err := c.Create(ctx, ae); err != nil {
		t.Fatalf("creating ActionExecution %s: %v", name, err)
	}
	got := &executionv1alpha1.ActionExecution{}
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, client.ObjectKeyFromObject(ae), got); err != nil {
			return false, err
		}
		return got.Status.Phase.IsFinished(), nil
	})
	if err != nil {
		t.Fatalf("ActionExecution %s did not finish: %v; status %+v", name, err, got.Status)
	}
	return got
}
