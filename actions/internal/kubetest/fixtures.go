package kubetest

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The fixtures below are the objects that several actions' tests arrange, created and read as
// the cluster administrator (never as the action's ServiceAccount, whose rights are the thing
// under test). envtest runs no controllers, so they are written as given and stay as written:
// no pods appear for a Deployment, and no status unless the test writes it.

// AppImage is the image of every fixture's container. It is never pulled: there is no kubelet.
const AppImage = "registry.example/app:1"

// PodSpec is a pod with one container named "app".
func PodSpec() corev1.PodSpec {
	return corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: AppImage}}}
}

// NewDeployment creates a Deployment named name with replicas and the labels app=name in the
// sandbox's namespace.
func (s *Sandbox) NewDeployment(t testing.TB, name string, replicas int32) *appsv1.Deployment {
	t.Helper()
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: s.Namespace},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: PodSpec()},
		},
	}
	created, err := s.Admin.AppsV1().Deployments(s.Namespace).Create(context.Background(), d, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create deployment %s: %v", name, err)
	}
	return created
}

// GetDeployment reads the Deployment named name in the sandbox's namespace.
func (s *Sandbox) GetDeployment(t testing.TB, name string) *appsv1.Deployment {
	t.Helper()
	d, err := s.Admin.AppsV1().Deployments(s.Namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get deployment %s: %v", name, err)
	}
	return d
}

// PauseDeployment sets spec.paused on the Deployment named name, as `kubectl rollout pause`
// does, and returns it as written.
func (s *Sandbox) PauseDeployment(t testing.TB, name string) *appsv1.Deployment {
	t.Helper()
	d := s.GetDeployment(t, name)
	d.Spec.Paused = true
	paused, err := s.Admin.AppsV1().Deployments(s.Namespace).Update(context.Background(), d, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("pause deployment %s: %v", name, err)
	}
	return paused
}

// ExpectDeploymentUnchanged fails the test when the Deployment has been written since before
// was read. what names the run that must not have written it: "the dry run".
func (s *Sandbox) ExpectDeploymentUnchanged(t testing.TB, before *appsv1.Deployment, what string) {
	t.Helper()
	if after := s.GetDeployment(t, before.Name); after.ResourceVersion != before.ResourceVersion {
		t.Errorf("%s changed the deployment: resourceVersion %s -> %s", what, before.ResourceVersion, after.ResourceVersion)
	}
}

// NewReplicaSet creates a ReplicaSet named name, with the labels app=name and no replicas, to
// own pods.
func (s *Sandbox) NewReplicaSet(t testing.TB, name string) *appsv1.ReplicaSet {
	t.Helper()
	labels := map[string]string{"app": name}
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: s.Namespace},
		Spec: appsv1.ReplicaSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: PodSpec()},
		},
	}
	created, err := s.Admin.AppsV1().ReplicaSets(s.Namespace).Create(context.Background(), rs, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create replicaset %s: %v", name, err)
	}
	return created
}

// NewPod creates a pod named name on node (none when ""), controlled by the ReplicaSet owner
// when it is not nil. A pod on a node is deleted gracefully: envtest runs no kubelet, so it
// stays, terminating, which lets a test see the grace period that was asked for.
func (s *Sandbox) NewPod(t testing.TB, name, node string, owner metav1.Object, annotations map[string]string) *corev1.Pod {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: s.Namespace, Annotations: annotations},
		Spec:       PodSpec(),
	}
	pod.Spec.NodeName = node
	if owner != nil {
		pod.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(owner, appsv1.SchemeGroupVersion.WithKind("ReplicaSet"))}
	}
	created, err := s.Admin.CoreV1().Pods(s.Namespace).Create(context.Background(), pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s: %v", name, err)
	}
	return created
}

// GetPod reads the pod named name; nil when it does not exist, because tests of deleting
// actions ask exactly that.
func (s *Sandbox) GetPod(t testing.TB, name string) *corev1.Pod {
	t.Helper()
	pod, err := s.Admin.CoreV1().Pods(s.Namespace).Get(context.Background(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatalf("get pod %s: %v", name, err)
	}
	return pod
}

// NewNode creates a node with spec and the label team=sre, named after the sandbox (nodes are
// cluster-scoped, so tests must not share names), and deletes it when the test ends.
func (s *Sandbox) NewNode(t testing.TB, spec corev1.NodeSpec) *corev1.Node {
	t.Helper()
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: s.Namespace + "-node", Labels: map[string]string{"team": "sre"}},
		Spec:       spec,
	}
	created, err := s.Admin.CoreV1().Nodes().Create(context.Background(), n, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create node: %v", err)
	}
	t.Cleanup(func() { _ = s.Admin.CoreV1().Nodes().Delete(context.Background(), n.Name, metav1.DeleteOptions{}) })
	return created
}

// GetNode reads the node named name.
func (s *Sandbox) GetNode(t testing.TB, name string) *corev1.Node {
	t.Helper()
	n, err := s.Admin.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get node %s: %v", name, err)
	}
	return n
}

// GetNetworkPolicy reads the NetworkPolicy named name; nil when it does not exist, because
// tests of creating one check its absence too.
func (s *Sandbox) GetNetworkPolicy(t testing.TB, name string) *networkingv1.NetworkPolicy {
	t.Helper()
	np, err := s.Admin.NetworkingV1().NetworkPolicies(s.Namespace).Get(context.Background(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatalf("get networkpolicy %s: %v", name, err)
	}
	return np
}
