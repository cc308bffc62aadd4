package apitest_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/testutil/envtest"
)

func TestActionExecution_specCannotChangeAfterCreation(t *testing.T) {
	ns := newNamespace(t)
	tests := []struct {
		name      string
		update    func(*executionv1alpha1.ActionExecution)
		wantField string
		wantMsg   string
	}{
		{
			name: "changing one input value is rejected",
			update: func(o *executionv1alpha1.ActionExecution) {
				o.Spec.Inputs = rawJSON(`{"replicas":4,"target":{"name":"web"}}`)
			},
			wantField: "spec.inputs",
			wantMsg:   "inputs is immutable",
		},
		{
			name: "changing a nested input value is rejected",
			update: func(o *executionv1alpha1.ActionExecution) {
				o.Spec.Inputs = rawJSON(`{"replicas":3,"target":{"name":"api"}}`)
			},
			wantField: "spec.inputs",
			wantMsg:   "inputs is immutable",
		},
		{
			name:      "removing the inputs is rejected",
			update:    func(o *executionv1alpha1.ActionExecution) { o.Spec.Inputs = nil },
			wantField: "spec",
			wantMsg:   "spec is immutable: fields cannot be added or removed",
		},
		{
			name:      "changing the action type is rejected",
			update:    func(o *executionv1alpha1.ActionExecution) { o.Spec.ActionType = "kubernetes/restart_pod" },
			wantField: "spec.actionType",
			wantMsg:   "actionType is immutable",
		},
		{
			name:      "pinning an image afterwards is rejected",
			update:    func(o *executionv1alpha1.ActionExecution) { o.Spec.Image = validDigestRef },
			wantField: "spec",
			wantMsg:   "spec is immutable: fields cannot be added or removed",
		},
		{
			name: "changing the workspace claim is rejected",
			update: func(o *executionv1alpha1.ActionExecution) {
				o.Spec.Workspace = &executionv1alpha1.WorkspaceVolume{ClaimName: "other-claim"}
			},
			wantField: "spec.workspace",
			wantMsg:   "workspace is immutable",
		},
		{
			name:      "changing the service account is rejected",
			update:    func(o *executionv1alpha1.ActionExecution) { o.Spec.ServiceAccountName = "other-runner" },
			wantField: "spec.serviceAccountName",
			wantMsg:   "serviceAccountName is immutable",
		},
		{
			name:      "changing the engine is rejected",
			update:    func(o *executionv1alpha1.ActionExecution) { o.Spec.Engine = executionv1alpha1.EngineJobs },
			wantField: "spec.engine",
			wantMsg:   "engine is immutable",
		},
		{
			// The default applies to the update, so removing the engine is changing it to jobs.
			name:      "removing the engine is rejected",
			update:    func(o *executionv1alpha1.ActionExecution) { o.Spec.Engine = "" },
			wantField: "spec.engine",
			wantMsg:   "engine is immutable",
		},
		{
			name: "changing the timeout is rejected",
			update: func(o *executionv1alpha1.ActionExecution) {
				o.Spec.Timeout = &metav1.Duration{Duration: time.Hour}
			},
			wantField: "spec.timeout",
			wantMsg:   "timeout is immutable",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := envtest.Context(t)
			obj := newActionExecution(ns, func(o *executionv1alpha1.ActionExecution) {
				o.Spec.Inputs = rawJSON(`{"replicas":3,"target":{"name":"web"}}`)
				o.Spec.Workspace = &executionv1alpha1.WorkspaceVolume{ClaimName: "wfe-1-workspace"}
				o.Spec.ServiceAccountName = "pre-created-runner"
				o.Spec.Engine = executionv1alpha1.EngineTekton
			})
			if err := env.Client.Create(ctx, obj); err != nil {
				t.Fatalf("create: %v", err)
			}
			tt.update(obj)
			err := env.Client.Update(ctx, obj)
			assertInvalidField(t, err, tt.wantField, tt.wantMsg)
		})
	}
}

// TestActionExecution_metadataCanChangeAfterCreation also proves that a Go client can update an
// object whose timeout was defaulted: it reads "5m" and writes back "5m0s", which a plain string
// comparison would take for a change of the immutable spec.
func TestActionExecution_metadataCanChangeAfterCreation(t *testing.T) {
	ctx := envtest.Context(t)
	obj := newActionExecution(newNamespace(t))
	if err := env.Client.Create(ctx, obj); err != nil {
		t.Fatalf("create: %v", err)
	}
	obj.Labels = map[string]string{"kubernaut.ai/workflow": "wfe-1"}
	if err := env.Client.Update(ctx, obj); err != nil {
		t.Fatalf("a label change must be allowed on an immutable spec: %v", err)
	}
}

func TestActionExecution_statusIsWrittenThroughTheStatusSubresourceOnly(t *testing.T) {
	ctx := envtest.Context(t)
	obj := newActionExecution(newNamespace(t))
	if err := env.Client.Create(ctx, obj); err != nil {
		t.Fatalf("create: %v", err)
	}
	obj.Status.Phase = executionv1alpha1.PhaseRunning
	if err := env.Client.Update(ctx, obj); err != nil {
		t.Fatalf("update through the main resource: %v", err)
	}
	var got executionv1alpha1.ActionExecution
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(obj), &got); err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.Status.Phase != "" {
		t.Errorf("status.phase = %q after an update of the main resource, want it ignored", got.Status.Phase)
	}
}

func TestActionExecution_completeStatusIsAcceptedAndReadBackIntact(t *testing.T) {
	ctx := envtest.Context(t)
	obj := newActionExecution(newNamespace(t))
	if err := env.Client.Create(ctx, obj); err != nil {
		t.Fatalf("create: %v", err)
	}
	obj.Status = succeededStatus(obj.Generation)
	want := obj.Status.DeepCopy()
	if err := env.Client.Status().Update(ctx, obj); err != nil {
		t.Fatalf("update status: %v", err)
	}
	var got executionv1alpha1.ActionExecution
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(obj), &got); err != nil {
		t.Fatalf("get: %v", err)
	}
	if diff := cmp.Diff(decodeJSON(t, want.Outputs), decodeJSON(t, got.Status.Outputs)); diff != "" {
		t.Errorf("outputs read back (-want +got):\n%s", diff)
	}
	want.Outputs, got.Status.Outputs = nil, nil
	if diff := cmp.Diff(*want, got.Status); diff != "" {
		t.Errorf("status read back (-want +got):\n%s", diff)
	}
}

func TestActionExecution_preparedStatusIsAcceptedAndReadBackIntact(t *testing.T) {
	ctx := envtest.Context(t)
	obj := newActionExecution(newNamespace(t), func(o *executionv1alpha1.ActionExecution) {
		o.Spec.Engine = executionv1alpha1.EngineTekton
	})
	if err := env.Client.Create(ctx, obj); err != nil {
		t.Fatalf("create: %v", err)
	}
	obj.Status = preparedStatus(obj.Generation)
	want := obj.Status.DeepCopy()
	if err := env.Client.Status().Update(ctx, obj); err != nil {
		t.Fatalf("update status: %v", err)
	}
	var got executionv1alpha1.ActionExecution
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(obj), &got); err != nil {
		t.Fatalf("get: %v", err)
	}
	if diff := cmp.Diff(decodeJSON(t, want.Prepared.Inputs), decodeJSON(t, got.Status.Prepared.Inputs)); diff != "" {
		t.Errorf("prepared inputs read back (-want +got):\n%s", diff)
	}
	want.Prepared.Inputs, got.Status.Prepared.Inputs = nil, nil
	// Quantities compare by value: the API server may write them back in canonical form.
	if diff := cmp.Diff(*want, got.Status, cmp.Comparer(func(a, b resource.Quantity) bool { return a.Cmp(b) == 0 })); diff != "" {
		t.Errorf("status read back (-want +got):\n%s", diff)
	}
}

// preparedStatus is the status of a run of engine tekton that was prepared, with every field of
// the prepared block set.
func preparedStatus(generation int64) executionv1alpha1.ActionExecutionStatus {
	status := succeededStatus(generation)
	status.Phase = executionv1alpha1.PhasePrepared
	status.JobRef, status.Outputs, status.StartTime, status.CompletionTime = nil, nil, nil, nil
	status.Conditions[0].Reason = executionv1alpha1.PreparedReason
	status.Conditions[0].Message = "Verified and prepared; a Tekton TaskRun runs it"
	status.Prepared = &executionv1alpha1.PreparedLaunch{
		Image:              "registry.example/actions/scale@" + status.VerifiedDigest,
		ServiceAccountName: "ae-scale-3f9a2c-action",
		ImagePullSecrets:   []corev1.LocalObjectReference{{Name: "registry-creds"}},
		Resources: corev1.ResourceRequirements{
			Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("32Mi")},
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")},
		},
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr.To(false),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			ReadOnlyRootFilesystem:   ptr.To(true),
			RunAsNonRoot:             ptr.To(true),
			RunAsUser:                ptr.To[int64](65532),
			RunAsGroup:               ptr.To[int64](65532),
		},
		ContractPath: "/etc/kubernaut/contract.yaml",
		Inputs:       rawJSON(`{"deployment":"web","replicas":"$(steps.read.outputs.replicas)"}`),
	}
	return status
}

func TestActionExecution_invalidStatusIsRejectedNamingTheField(t *testing.T) {
	ns := newNamespace(t)
	tests := []struct {
		name      string
		mutate    func(*executionv1alpha1.ActionExecutionStatus)
		wantField string
		wantMsg   string
	}{
		{
			name: "a signer with both a key and a keyless identity is rejected",
			mutate: func(s *executionv1alpha1.ActionExecutionStatus) {
				s.Signer.Identity = &executionv1alpha1.SignerIdentity{Issuer: "https://issuer.example", Subject: "ci@example.com"}
			},
			wantField: "status.signer",
			wantMsg:   "exactly one of keyID and identity",
		},
		{
			name:      "a signer with neither a key nor a keyless identity is rejected",
			mutate:    func(s *executionv1alpha1.ActionExecutionStatus) { s.Signer.KeyID = "" },
			wantField: "status.signer",
			wantMsg:   "exactly one of keyID and identity",
		},
		{
			name:      "a verified digest that is not a sha256 digest is rejected",
			mutate:    func(s *executionv1alpha1.ActionExecutionStatus) { s.VerifiedDigest = "v1.2.3" },
			wantField: "status.verifiedDigest",
			wantMsg:   "should match",
		},
		{
			name: "a prepared image that is not pinned by digest is rejected",
			mutate: func(s *executionv1alpha1.ActionExecutionStatus) {
				*s = preparedStatus(s.ObservedGeneration)
				s.Prepared.Image = "registry.example/actions/scale:v1"
			},
			wantField: "status.prepared.image",
			wantMsg:   "image must be a digest reference",
		},
		{
			name:      "an unknown phase is rejected",
			mutate:    func(s *executionv1alpha1.ActionExecutionStatus) { s.Phase = "Completed" },
			wantField: "status.phase",
			wantMsg:   "Unsupported value",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := envtest.Context(t)
			obj := newActionExecution(ns)
			if err := env.Client.Create(ctx, obj); err != nil {
				t.Fatalf("create: %v", err)
			}
			obj.Status = succeededStatus(obj.Generation)
			tt.mutate(&obj.Status)
			err := env.Client.Status().Update(ctx, obj)
			assertInvalidField(t, err, tt.wantField, tt.wantMsg)
		})
	}
}

// succeededStatus is the status of a run that succeeded, with every field set. Times are whole
// seconds because the API server stores RFC 3339 timestamps without fractions.
func succeededStatus(generation int64) executionv1alpha1.ActionExecutionStatus {
	started := metav1.NewTime(time.Date(2026, 11, 25, 21, 0, 0, 0, time.UTC))
	finished := metav1.NewTime(started.Add(7 * time.Second))
	logIndex := int64(4242)
	return executionv1alpha1.ActionExecutionStatus{
		ObservedGeneration: generation,
		Phase:              executionv1alpha1.PhaseSucceeded,
		VerifiedDigest:     "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		Signer: &executionv1alpha1.Signer{
			Format:   executionv1alpha1.SignatureFormatBundle,
			KeyID:    "k1N0wnKeyIdB64==",
			LogIndex: &logIndex,
		},
		Contract:       &executionv1alpha1.ContractReference{Name: "scale-deployment", Version: "v1.2.0"},
		JobRef:         &executionv1alpha1.JobReference{Name: "ae-scale-3f9a2c"},
		Outputs:        rawJSON(`{"previousReplicas":2,"replicas":3,"ready":true}`),
		StartTime:      &started,
		CompletionTime: &finished,
		Conditions: []metav1.Condition{{
			Type:               executionv1alpha1.ReadyCondition,
			Status:             metav1.ConditionTrue,
			ObservedGeneration: generation,
			LastTransitionTime: finished,
			Reason:             executionv1alpha1.SucceededReason,
			Message:            "Action kubernetes/scale_deployment succeeded",
		}},
	}
}
