package main

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubernaut/kubernaut/actions/internal/kubetest"
	"github.com/kubernaut/kubernaut/sdk/actiontest"
)

// cluster is the real API server shared by this package's tests; each test has a namespace.
var cluster *kubetest.Cluster

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m, &cluster)) }

const contractFile = "action-contract.yaml"

// now is the time of every restart in the tests, and clock returns it.
var now = time.Date(2026, 11, 26, 4, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

// dbCredentials is the Secret most tests start from.
func dbCredentials() *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "db-credentials"},
		Type:       corev1.SecretTypeOpaque,
		Data: map[string][]byte{
			"username": []byte("shop"),
			"password": []byte("old-password-value-1"),
			"apiKey":   []byte("old-api-key-value-2"),
		},
	}
}

// newSecret creates the Secret as the cluster administrator.
func newSecret(t *testing.T, sb *kubetest.Sandbox, s *corev1.Secret) *corev1.Secret {
	t.Helper()
	s.Namespace = sb.Namespace
	created, err := sb.Admin.CoreV1().Secrets(sb.Namespace).Create(context.Background(), s, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create secret %s: %v", s.Name, err)
	}
	return created
}

// getSecret reads the Secret as the cluster administrator.
func getSecret(t *testing.T, sb *kubetest.Sandbox, name string) *corev1.Secret {
	t.Helper()
	s, err := sb.Admin.CoreV1().Secrets(sb.Namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get secret %s: %v", name, err)
	}
	return s
}

// expectNoValueLeaked fails the test if any value of any of the Secrets appears on the
// action's standard output or standard error: not the old values, not the new ones.
func expectNoValueLeaked(t *testing.T, r actiontest.Result, secrets ...*corev1.Secret) {
	t.Helper()
	for _, s := range secrets {
		for key, value := range s.Data {
			if strings.Contains(r.Stdout, string(value)) || strings.Contains(r.Stderr, string(value)) {
				t.Errorf("the value of %s/%s appears in the action's stdout or stderr", s.Name, key)
			}
		}
	}
}

// runAction runs the action as the sandbox's ServiceAccount with crypto/rand, through the SDK's
// runtime with the contract, exactly as the container would.
func runAction(t *testing.T, sb *kubetest.Sandbox, inputs map[string]any, opts ...actiontest.Option) actiontest.Result {
	t.Helper()
	return sb.Run(t, rotator{kube: sb.ActionEnv(), random: rand.Reader, now: clock}.run, inputs, opts...)
}
