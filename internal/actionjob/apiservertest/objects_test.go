package apiservertest

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionjob"
	"github.com/kubernaut/kubernaut/internal/testutil/envtest"
)

const digestRef = "registry.local:5000/actions/scale@sha256:5f1c0e0c4e1d5a3f2b9e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928"

func TestTheAPIServerAcceptsTheBuiltObjectsAsBuilt(t *testing.T) {
	ctx := envtest.Context(t)
	ns := newNamespace(t)
	ae := createActionExecution(t, ns, func(ae *executionv1alpha1.ActionExecution) {
		ae.Spec.Workspace = &executionv1alpha1.WorkspaceVolume{ClaimName: "wf-workspace"}
		ae.Spec.Timeout = &metav1.Duration{Duration: 90 * time.Second}
	})
	c := loadContract(t, "scale-deployment.yaml")
	rbac := actionjob.BuildRBAC(ae, c)
	for _, obj := range []client.Object{rbac.ServiceAccount, rbac.Role, rbac.RoleBinding, rbac.ClusterRole, rbac.ClusterRoleBinding} {
		if err := env.Client.Create(ctx, obj); err != nil {
			t.Fatalf("create %T %s: %v", obj, obj.GetName(), err)
		}
		if !actionjob.OwnedBy(obj, ae) {
			t.Errorf("%T %s as stored is not recognised as the ActionExecution's", obj, obj.GetName())
		}
	}
	built, err := actionjob.BuildJob(ae, c, digestRef, []byte(`{"deployment":"web","replicas":2}`), rbac.ServiceAccount.Name)
	if err != nil {
		t.Fatalf("BuildJob: %v", err)
	}
	if err := env.Client.Create(ctx, built.DeepCopy()); err != nil {
		t.Fatalf("the API server refused the Job: %v", err)
	}
	var stored batchv1.Job
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(built), &stored); err != nil {
		t.Fatal(err)
	}
	// Defaulting adds fields (selector, pod labels, completions, ...); what was built must stay.
	checks := []struct {
		name      string
		want, got any
	}{
		{"owner", built.OwnerReferences, stored.OwnerReferences},
		{"backoffLimit", built.Spec.BackoffLimit, stored.Spec.BackoffLimit},
		{"activeDeadlineSeconds", built.Spec.ActiveDeadlineSeconds, stored.Spec.ActiveDeadlineSeconds},
		{"podFailurePolicy", built.Spec.PodFailurePolicy, stored.Spec.PodFailurePolicy},
		{"ttlSecondsAfterFinished", (*int32)(nil), stored.Spec.TTLSecondsAfterFinished},
		{"pod securityContext", built.Spec.Template.Spec.SecurityContext, stored.Spec.Template.Spec.SecurityContext},
		{"container securityContext", built.Spec.Template.Spec.Containers[0].SecurityContext, stored.Spec.Template.Spec.Containers[0].SecurityContext},
		{"image", digestRef, stored.Spec.Template.Spec.Containers[0].Image},
		{"env", built.Spec.Template.Spec.Containers[0].Env, stored.Spec.Template.Spec.Containers[0].Env},
		{"volumes", built.Spec.Template.Spec.Volumes, stored.Spec.Template.Spec.Volumes},
		{"dnsPolicy", corev1.DNSClusterFirst, stored.Spec.Template.Spec.DNSPolicy},
		{"terminationMessagePolicy", corev1.TerminationMessageFallbackToLogsOnError,
			stored.Spec.Template.Spec.Containers[0].TerminationMessagePolicy},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s changed on the way through the API server (-built +stored):\n%s", c.name, diff)
		}
	}
}

// TestThePodTemplatePassesRestrictedPodSecurity creates pods from the built templates in a
// namespace that enforces the restricted profile. A root pod is refused there first, which
// proves that the profile is really enforced and the pass means something.
func TestThePodTemplatePassesRestrictedPodSecurity(t *testing.T) {
	ctx := envtest.Context(t)
	ns := newNamespace(t)
	ae := createActionExecution(t, ns, func(ae *executionv1alpha1.ActionExecution) {
		ae.Spec.Workspace = &executionv1alpha1.WorkspaceVolume{ClaimName: "wf-workspace"}
	})
	root := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "root"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: digestRef, SecurityContext: &corev1.SecurityContext{RunAsUser: ptr.To[int64](0)}}}},
	}
	if err := env.Client.Create(ctx, root); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "restricted") {
		t.Fatalf("a root pod was not refused by the restricted profile (err %v); the namespace does not enforce it", err)
	}
	for _, file := range []string{"scale-deployment.yaml", "minimal.yaml"} {
		job, err := actionjob.BuildJob(ae, loadContract(t, file), digestRef, []byte(`{}`), "")
		if err != nil {
			t.Fatalf("%s: BuildJob: %v", file, err)
		}
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "from-" + strings.TrimSuffix(file, ".yaml")},
			Spec:       job.Spec.Template.Spec,
		}
		if err := env.Client.Create(ctx, pod); err != nil {
			t.Errorf("%s: a pod from the Job's template was refused: %v", file, err)
		}
	}
}
