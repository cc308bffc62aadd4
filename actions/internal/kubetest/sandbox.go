package kubetest

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubernaut/kubernaut/actions/internal/actiontesting"
	"github.com/kubernaut/kubernaut/actions/internal/kube"
	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionjob"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

// Sandbox is one test's namespace and the ServiceAccount that holds exactly the permissions of
// one action's contract there.
type Sandbox struct {
	// Namespace is the test's own namespace; the action's namespaced rules are granted in it.
	Namespace string
	// ServiceAccount is the name of the action's ServiceAccount; empty when the contract asks
	// for no permissions (the controller then creates none and mounts no token).
	ServiceAccount string
	// User is the API user the action acts as: "system:serviceaccount:<namespace>:<name>".
	User string
	// Contract is the action's contract, as parsed by the SDK.
	Contract *contract.ActionContract
	// ContractFile is the file the contract was read from, for Run.
	ContractFile string
	// Admin is the cluster administrator, for arranging objects and checking results.
	Admin kubernetes.Interface
	// Config connects as User.
	Config *rest.Config
	// Client is a clientset for Config: what the action gets in its pod.
	Client kubernetes.Interface
}

// NewSandbox creates a namespace and, from the contract in contractFile, the ServiceAccount,
// Role, RoleBinding, ClusterRole and ClusterRoleBinding that the controller creates for one
// run of the action (actionjob.BuildRBAC, so the mapping under test is the controller's own).
// It returns once the authorizer applies the new bindings (see awaitRules).
// Cluster-scoped objects are deleted when the test ends; namespaced ones are left to the
// control plane, which envtest discards with its data.
//
// A contract without permissions gets no ServiceAccount, as in the controller; Client then acts
// as a ServiceAccount name that nothing is bound to.
func (c *Cluster) NewSandbox(t testing.TB, contractFile string) *Sandbox {
	t.Helper()
	data, err := os.ReadFile(contractFile)
	if err != nil {
		t.Fatalf("read the contract: %v", err)
	}
	ct, err := contract.Parse(data)
	if err != nil {
		t.Fatalf("parse the contract %s: %v", contractFile, err)
	}
	ctx := context.Background()
	ns, err := c.Admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{GenerateName: ct.Metadata.Name + "-"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create a namespace: %v", err)
	}
	sb := &Sandbox{Namespace: ns.Name, Contract: ct, ContractFile: contractFile, Admin: c.Admin}
	var probes []authorizationv1.ResourceAttributes
	sb.ServiceAccount, probes = c.grant(t, ns.Name, ct)
	name := sb.ServiceAccount
	if name == "" {
		name = "no-permissions"
	}
	sb.User = "system:serviceaccount:" + ns.Name + ":" + name
	sb.Config = c.Config(sb.User)
	if sb.Client, err = kubernetes.NewForConfig(sb.Config); err != nil {
		t.Fatalf("client as %s: %v", sb.User, err)
	}
	sb.awaitRules(t, probes)
	return sb
}

// rulesTimeout bounds how long NewSandbox waits for the new bindings to take effect.
const rulesTimeout = 10 * time.Second

// awaitRules waits until the authorizer allows every probe (the first rule of each new Role or
// ClusterRole). The RBAC authorizer serves from an informer cache, so a request made right
// after a RoleBinding was created can still be Forbidden; a test that runs the action at once
// (against a missing target, or creating an object) flaked that way.
func (s *Sandbox) awaitRules(t testing.TB, probes []authorizationv1.ResourceAttributes) {
	t.Helper()
	deadline := time.Now().Add(rulesTimeout)
	for _, probe := range probes {
		for !s.review(t, probe) {
			if time.Now().After(deadline) {
				t.Fatalf("the contract's rules did not take effect within %s for %s (probe %+v)", rulesTimeout, s.User, probe)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// probe is the request that the first verb on the first resource of rule stands for; ns is ""
// for a ClusterRole's rule.
func probe(rule rbacv1.PolicyRule, ns string) authorizationv1.ResourceAttributes {
	attrs := authorizationv1.ResourceAttributes{Namespace: ns, Verb: first(rule.Verbs), Group: first(rule.APIGroups)}
	attrs.Resource, attrs.Subresource, _ = strings.Cut(first(rule.Resources), "/")
	attrs.Name = first(rule.ResourceNames)
	return attrs
}

func first(values []string) string {
	if len(values) == 0 {
		return ""
	}
	return values[0]
}

// grant creates the RBAC objects of ct in ns, as the controller would for an ActionExecution
// there, and returns the ServiceAccount's name ("" when the contract asks for nothing) and one
// probe per Role and ClusterRole, for awaitRules.
func (c *Cluster) grant(t testing.TB, ns string, ct *contract.ActionContract) (string, []authorizationv1.ResourceAttributes) {
	t.Helper()
	// BuildRBAC takes the ActionExecution the objects belong to. None exists here, so the owner
	// references are dropped: the API server refuses one without a UID, and envtest runs no
	// garbage collector that would follow them.
	ae := &executionv1alpha1.ActionExecution{ObjectMeta: metav1.ObjectMeta{
		Namespace: ns, Name: "run-" + rand.String(5), UID: types.UID("kubetest"),
	}}
	objs := actionjob.BuildRBAC(ae, ct)
	if objs.ServiceAccount == nil {
		return "", nil
	}
	var probes []authorizationv1.ResourceAttributes
	ctx := context.Background()
	rbac := c.Admin.RbacV1()
	objs.ServiceAccount.OwnerReferences = nil
	mustCreate(t, "ServiceAccount", func() error {
		_, err := c.Admin.CoreV1().ServiceAccounts(ns).Create(ctx, objs.ServiceAccount, metav1.CreateOptions{})
		return err
	})
	if objs.Role != nil {
		objs.Role.OwnerReferences, objs.RoleBinding.OwnerReferences = nil, nil
		mustCreate(t, "Role", func() error {
			_, err := rbac.Roles(ns).Create(ctx, objs.Role, metav1.CreateOptions{})
			return err
		})
		mustCreate(t, "RoleBinding", func() error {
			_, err := rbac.RoleBindings(ns).Create(ctx, objs.RoleBinding, metav1.CreateOptions{})
			return err
		})
		probes = append(probes, probe(objs.Role.Rules[0], ns))
	}
	if objs.ClusterRole != nil {
		mustCreate(t, "ClusterRole", func() error {
			_, err := rbac.ClusterRoles().Create(ctx, objs.ClusterRole, metav1.CreateOptions{})
			return err
		})
		mustCreate(t, "ClusterRoleBinding", func() error {
			_, err := rbac.ClusterRoleBindings().Create(ctx, objs.ClusterRoleBinding, metav1.CreateOptions{})
			return err
		})
		probes = append(probes, probe(objs.ClusterRole.Rules[0], ""))
		name := objs.ClusterRole.Name
		t.Cleanup(func() {
			_ = rbac.ClusterRoleBindings().Delete(context.Background(), name, metav1.DeleteOptions{})
			_ = rbac.ClusterRoles().Delete(context.Background(), name, metav1.DeleteOptions{})
		})
	}
	return objs.ServiceAccount.Name, probes
}

func mustCreate(t testing.TB, kind string, create func() error) {
	t.Helper()
	if err := create(); err != nil {
		t.Fatalf("create the action's %s: %v", kind, err)
	}
}

// ActionEnv is the kube.Env the action gets in its pod: a client acting as the ServiceAccount,
// and the sandbox's namespace as the pod's own.
func (s *Sandbox) ActionEnv() kube.Env {
	return kube.Env{
		NewClient:    func() (kubernetes.Interface, error) { return s.Client, nil },
		PodNamespace: func() (string, error) { return s.Namespace, nil },
	}
}

// Run runs fn, the action built with ActionEnv or RacingEnv, through the SDK's runtime with
// the sandbox's contract, exactly as the action's container would (actiontesting.Run).
func (s *Sandbox) Run(t testing.TB, fn action.Func, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	return actiontesting.Run(t, s.ContractFile, fn, inputs, opts...)
}

// ExpectForbidden fails the test unless err is the API server's Forbidden for the sandbox's
// user: the proof, by a real request, that the contract does not grant what was tried. what
// describes the attempt for the failure message ("delete the Deployment").
func (s *Sandbox) ExpectForbidden(t testing.TB, err error, what string) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("%s as %s succeeded; the contract must not allow it", what, s.User)
	case !apierrors.IsForbidden(err):
		t.Errorf("%s as %s: want Forbidden, got %v", what, s.User, err)
	case !strings.Contains(err.Error(), s.User):
		t.Errorf("%s: Forbidden, but not for %s: %v", what, s.User, err)
	}
}

// Allowed asks the API server's authorizer (a SelfSubjectAccessReview made as the sandbox's
// user) whether the user may perform attrs. An empty attrs.Namespace means the sandbox's
// namespace; use ClusterAllowed for cluster-scoped requests. A real request that gets
// Forbidden (ExpectForbidden) is the stronger proof; a review covers many verbs cheaply.
func (s *Sandbox) Allowed(t testing.TB, attrs authorizationv1.ResourceAttributes) bool {
	t.Helper()
	if attrs.Namespace == "" {
		attrs.Namespace = s.Namespace
	}
	return s.review(t, attrs)
}

// ClusterAllowed is Allowed for a cluster-scoped request (no namespace).
func (s *Sandbox) ClusterAllowed(t testing.TB, attrs authorizationv1.ResourceAttributes) bool {
	t.Helper()
	attrs.Namespace = ""
	return s.review(t, attrs)
}

func (s *Sandbox) review(t testing.TB, attrs authorizationv1.ResourceAttributes) bool {
	t.Helper()
	review, err := s.Client.AuthorizationV1().SelfSubjectAccessReviews().Create(context.Background(),
		&authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &attrs}},
		metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("access review as %s for %+v: %v", s.User, attrs, err)
	}
	return review.Status.Allowed
}

// Attrs is the ResourceAttributes of one request, for Allowed: verb on group/resource (and
// subresource, "" for none) in the sandbox's namespace, any name.
func Attrs(group, resource, subresource, verb string) authorizationv1.ResourceAttributes {
	return authorizationv1.ResourceAttributes{Group: group, Resource: resource, Subresource: subresource, Verb: verb}
}
