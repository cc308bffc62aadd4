package apitest_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/testutil/envtest"
)

func TestActionExecution_validSpecIsAcceptedAndReadBackIntact(t *testing.T) {
	ns := newNamespace(t)
	tests := []struct {
		name        string
		obj         *executionv1alpha1.ActionExecution
		wantTimeout time.Duration
		wantEngine  executionv1alpha1.LaunchEngine
	}{
		{
			name:        "a spec with only an action type gets the default timeout of five minutes and engine jobs",
			obj:         newActionExecution(ns),
			wantTimeout: 5 * time.Minute,
			wantEngine:  executionv1alpha1.EngineJobs,
		},
		{
			name: "a spec with every field keeps each of them, nested inputs included",
			obj: newActionExecution(ns, func(o *executionv1alpha1.ActionExecution) {
				o.Spec.Image = validDigestRef
				o.Spec.Inputs = rawJSON(`{"deployment":"web","replicas":3,` +
					`"selector":{"app":"web","tiers":["a","b"]},"dryRun":false,"note":null,"ratio":0.25}`)
				o.Spec.Workspace = &executionv1alpha1.WorkspaceVolume{ClaimName: "wfe-1-workspace"}
				o.Spec.Timeout = &metav1.Duration{Duration: 90 * time.Second}
				o.Spec.ServiceAccountName = "pre-created-runner"
				o.Spec.Engine = executionv1alpha1.EngineTekton
			}),
			wantTimeout: 90 * time.Second,
			wantEngine:  executionv1alpha1.EngineTekton,
		},
		{
			name: "an empty inputs object is kept as an empty object",
			obj: newActionExecution(ns, func(o *executionv1alpha1.ActionExecution) {
				o.Spec.Inputs = rawJSON(`{}`)
			}),
			wantTimeout: 5 * time.Minute,
			wantEngine:  executionv1alpha1.EngineJobs,
		},
		{
			name: "inputs holding references to other steps' outputs are kept verbatim for engine tekton",
			obj: newActionExecution(ns, func(o *executionv1alpha1.ActionExecution) {
				o.Spec.Engine = executionv1alpha1.EngineTekton
				o.Spec.Inputs = rawJSON(`{"replicas":"$(steps.read.outputs.replicas)","note":"was $(steps.read.outputs.replicas)"}`)
			}),
			wantTimeout: 5 * time.Minute,
			wantEngine:  executionv1alpha1.EngineTekton,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := envtest.Context(t)
			want := tt.obj.Spec.DeepCopy()
			if err := env.Client.Create(ctx, tt.obj); err != nil {
				t.Fatalf("create: %v", err)
			}
			var got executionv1alpha1.ActionExecution
			if err := env.Client.Get(ctx, client.ObjectKeyFromObject(tt.obj), &got); err != nil {
				t.Fatalf("get: %v", err)
			}
			if diff := cmp.Diff(decodeJSON(t, want.Inputs), decodeJSON(t, got.Spec.Inputs)); diff != "" {
				t.Errorf("inputs read back (-want +got):\n%s", diff)
			}
			want.Timeout = &metav1.Duration{Duration: tt.wantTimeout}
			want.Engine = tt.wantEngine
			want.Inputs, got.Spec.Inputs = nil, nil
			if diff := cmp.Diff(*want, got.Spec); diff != "" {
				t.Errorf("spec read back (-want +got):\n%s", diff)
			}
		})
	}
}

func TestActionExecution_invalidSpecIsRejectedNamingTheField(t *testing.T) {
	ns := newNamespace(t)
	tests := []struct {
		name      string
		spec      string // YAML, as a user writes it
		wantField string
		wantMsg   string
	}{
		{
			name:      "an image with a tag and no digest is rejected",
			spec:      "{actionType: kubernetes/scale_deployment, image: 'registry.example/actions/scale:v1'}",
			wantField: "spec.image",
			wantMsg:   "image must be pinned by digest",
		},
		{
			name:      "an image with a truncated digest is rejected",
			spec:      "{actionType: kubernetes/scale_deployment, image: 'registry.example/actions/scale@sha256:0123abcd'}",
			wantField: "spec.image",
			wantMsg:   "image must be pinned by digest",
		},
		{
			name:      "an action type without a group is rejected",
			spec:      "{actionType: scale_deployment}",
			wantField: "spec.actionType",
			wantMsg:   "should match '^[a-z0-9-]+/[a-z0-9_-]+$'",
		},
		{
			name:      "an action type with capital letters is rejected",
			spec:      "{actionType: Kubernetes/ScaleDeployment}",
			wantField: "spec.actionType",
			wantMsg:   "should match",
		},
		{
			name:      "a spec without an action type is rejected",
			spec:      "{inputs: {replicas: 3}}",
			wantField: "spec.actionType",
			wantMsg:   "Required value",
		},
		{
			name:      "a negative timeout is rejected",
			spec:      "{actionType: kubernetes/scale_deployment, timeout: -1m}",
			wantField: "spec.timeout",
			wantMsg:   "timeout must be a positive duration",
		},
		{
			name:      "a zero timeout is rejected",
			spec:      "{actionType: kubernetes/scale_deployment, timeout: 0s}",
			wantField: "spec.timeout",
			wantMsg:   "timeout must be at least 1s and at most 24h",
		},
		{
			name:      "a timeout longer than a day is rejected",
			spec:      "{actionType: kubernetes/scale_deployment, timeout: 25h}",
			wantField: "spec.timeout",
			wantMsg:   "timeout must be at least 1s and at most 24h",
		},
		{
			name:      "a timeout that is not a duration is rejected",
			spec:      "{actionType: kubernetes/scale_deployment, timeout: soon}",
			wantField: "spec.timeout",
			wantMsg:   "timeout must be a positive duration",
		},
		{
			name:      "inputs that are a list instead of an object are rejected",
			spec:      "{actionType: kubernetes/scale_deployment, inputs: [1, 2]}",
			wantField: "spec.inputs",
			wantMsg:   "must be of type object",
		},
		{
			name:      "a workspace without a claim name is rejected",
			spec:      "{actionType: kubernetes/scale_deployment, workspace: {}}",
			wantField: "spec.workspace.claimName",
			wantMsg:   "Required value",
		},
		{
			name:      "an engine other than jobs and tekton is rejected",
			spec:      "{actionType: kubernetes/scale_deployment, engine: argo}",
			wantField: "spec.engine",
			wantMsg:   "Unsupported value",
		},
		{
			name:      "a service account name that is not a DNS subdomain is rejected",
			spec:      "{actionType: kubernetes/scale_deployment, serviceAccountName: Runner_1}",
			wantField: "spec.serviceAccountName",
			wantMsg:   "should match",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := actionExecutionFromYAML(t, ns, tt.spec)
			err := env.Client.Create(envtest.Context(t), obj)
			assertInvalidField(t, err, tt.wantField, tt.wantMsg)
		})
	}
}

// actionExecutionFromYAML builds an unstructured ActionExecution with the given spec. Rejection
// tests go through unstructured objects because the typed API cannot even express several of the
// mistakes users make (a timeout of "soon", inputs that are a list).
func actionExecutionFromYAML(t *testing.T, ns, spec string) *unstructured.Unstructured {
	t.Helper()
	doc := fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata: {generateName: ae-, namespace: %s}\nspec: %s\n",
		executionv1alpha1.GroupVersion, executionv1alpha1.ActionExecutionKind, ns, spec)
	var obj unstructured.Unstructured
	if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
		t.Fatalf("parse fixture %q: %v", doc, err)
	}
	return &obj
}

// assertInvalidField fails unless err is an Invalid API error with a cause on field whose message
// contains msg: a user must be told which field is wrong and why.
func assertInvalidField(t *testing.T, err error, field, msg string) {
	t.Helper()
	if !apierrors.IsInvalid(err) {
		t.Fatalf("got error %v, want an Invalid error on %s", err, field)
	}
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Details == nil {
		t.Fatalf("error %v carries no details", err)
	}
	var seen []string
	for _, c := range status.Status().Details.Causes {
		if c.Field == field && strings.Contains(c.Message, msg) {
			return
		}
		seen = append(seen, fmt.Sprintf("%s: %s", c.Field, c.Message))
	}
	t.Errorf("no cause on %s containing %q; causes:\n  %s", field, msg, strings.Join(seen, "\n  "))
}
