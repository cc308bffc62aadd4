package actionjob

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

const (
	testDigestRef = "registry.local:5000/actions/scale@sha256:5f1c0e0c4e1d5a3f2b9e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928"
	testUID       = types.UID("6f1f7f43-1b1e-4c43-9d59-4f6f3f1d2a10")
)

// loadContract parses and validates a contract from testdata, as the controller receives it.
func loadContract(t testing.TB, file string) *contract.ActionContract {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	c, err := contract.Parse(data)
	if err != nil {
		t.Fatalf("contract %s: %v", file, err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("contract %s is invalid: %v", file, err)
	}
	return c
}

// newAE returns an ActionExecution as the API server stores it (UID set, defaults applied).
func newAE(name string, mutate ...func(*executionv1alpha1.ActionExecution)) *executionv1alpha1.ActionExecution {
	ae := &executionv1alpha1.ActionExecution{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "payments", UID: testUID},
		Spec: executionv1alpha1.ActionExecutionSpec{
			ActionType: "kubernetes/scale_deployment",
			Timeout:    &metav1.Duration{Duration: 5 * time.Minute},
		},
	}
	for _, m := range mutate {
		m(ae)
	}
	return ae
}

// wantOwner is the owner reference every namespaced child of newAE must carry.
func wantOwner(name string) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion:         "execution.kubernaut.ai/v1alpha1",
		Kind:               "ActionExecution",
		Name:               name,
		UID:                testUID,
		Controller:         ptr.To(true),
		BlockOwnerDeletion: ptr.To(true),
	}
}

func sha256Sum(s string) [32]byte { return sha256.Sum256([]byte(s)) }
