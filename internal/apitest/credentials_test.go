package apitest_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/controller-runtime/pkg/client"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/testutil/envtest"
)

func TestActionExecution_credentialsAreAcceptedAndReadBackIntact(t *testing.T) {
	ctx := envtest.Context(t)
	want := map[string]executionv1alpha1.SecretName{"git": "gitops-repo-creds", "registry": "regcred.v2"}
	obj := newActionExecution(newNamespace(t), func(o *executionv1alpha1.ActionExecution) { o.Spec.Credentials = want })
	if err := env.Client.Create(ctx, obj); err != nil {
		t.Fatalf("create: %v", err)
	}
	got := &executionv1alpha1.ActionExecution{}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(obj), got); err != nil {
		t.Fatalf("get: %v", err)
	}
	if diff := cmp.Diff(want, got.Spec.Credentials); diff != "" {
		t.Errorf("credentials (-want +got):\n%s", diff)
	}
}

func TestActionExecution_invalidCredentialsAreRejectedNamingTheField(t *testing.T) {
	ns := newNamespace(t)
	for _, tc := range []struct{ name, spec, field, msg string }{
		{"a credential name that is not a DNS label", `{actionType: git/push, credentials: {Git_Creds: s}}`,
			"spec.credentials", "credential names must be DNS-1123 labels"},
		{"a credential name with a slash", `{actionType: git/push, credentials: {"../git": s}}`,
			"spec.credentials", "credential names must be DNS-1123 labels"},
		{"a Secret name that is not a DNS subdomain", `{actionType: git/push, credentials: {git: Git_Creds}}`,
			"spec.credentials.git", "should match"},
		{"an empty Secret name", `{actionType: git/push, credentials: {git: ""}}`,
			"spec.credentials.git", "at least 1 chars long"},
		{"more than 8 credentials", `{actionType: git/push, credentials: {a: s, b: s, c: s, d: s, e: s, f: s, g: s, h: s, i: s}}`,
			"spec.credentials", "must have at most 8 items"},
	} {
		t.Run(tc.name+" is rejected", func(t *testing.T) {
			err := env.Client.Create(envtest.Context(t), actionExecutionFromYAML(t, ns, tc.spec))
			assertInvalidField(t, err, tc.field, tc.msg)
		})
	}
}

func TestActionExecution_credentialsCannotChangeAfterCreation(t *testing.T) {
	ns := newNamespace(t)
	for _, tc := range []struct {
		name       string
		before     map[string]executionv1alpha1.SecretName
		after      map[string]executionv1alpha1.SecretName
		field, msg string
	}{
		{"rebinding a credential", map[string]executionv1alpha1.SecretName{"git": "a"}, map[string]executionv1alpha1.SecretName{"git": "b"},
			"spec.credentials", "credentials is immutable"},
		{"adding credentials", nil, map[string]executionv1alpha1.SecretName{"git": "a"},
			"spec", "spec is immutable: fields cannot be added or removed"},
		{"removing credentials", map[string]executionv1alpha1.SecretName{"git": "a"}, nil,
			"spec", "spec is immutable: fields cannot be added or removed"},
	} {
		t.Run(tc.name+" is rejected", func(t *testing.T) {
			ctx := envtest.Context(t)
			obj := newActionExecution(ns, func(o *executionv1alpha1.ActionExecution) { o.Spec.Credentials = tc.before })
			if err := env.Client.Create(ctx, obj); err != nil {
				t.Fatalf("create: %v", err)
			}
			obj.Spec.Credentials = tc.after
			assertInvalidField(t, env.Client.Update(ctx, obj), tc.field, tc.msg)
		})
	}
}

func TestWorkflowExecution_invalidStepCredentialsAreRejectedNamingTheField(t *testing.T) {
	ns := newNamespace(t)
	for _, tc := range []struct{ name, spec, field, msg string }{
		{"a credential name that is not a DNS label", `steps: [{name: a, actionType: git/push, credentials: {GIT: s}}]`,
			"spec.steps[0].credentials", "credential names must be DNS-1123 labels"},
		{"a Secret name that is not a DNS subdomain", `steps: [{name: a, actionType: git/push, credentials: {git: "a b"}}]`,
			"spec.steps[0].credentials.git", "should match"},
	} {
		t.Run(tc.name+" is rejected", func(t *testing.T) {
			err := env.Client.Create(envtest.Context(t), workflowFromYAML(t, ns, tc.spec))
			assertInvalidField(t, err, tc.field, tc.msg)
		})
	}
}
