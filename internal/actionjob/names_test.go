package actionjob

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/ptr"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
)

func TestChildName(t *testing.T) {
	long := strings.Repeat("payment-service-", 5) // 80 characters
	for _, tt := range []struct {
		name, parent, suffix, want string
	}{
		{"a short name is parent-suffix", "scale-payments", "action", "scale-payments-action"},
		{"an empty suffix keeps the parent", "scale-payments", "", "scale-payments"},
		{"exactly 63 characters fit", strings.Repeat("a", 56), "action", strings.Repeat("a", 56) + "-action"},
		{"one more is hashed, keeping the suffix", strings.Repeat("a", 57), "action",
			strings.Repeat("a", 39) + "-" + hash16(strings.Repeat("a", 57)+"-action") + "-action"},
		{"a long parent is cut at a dash boundary", long, "job",
			strings.TrimRight(long[:42], "-") + "-" + hash16(long+"-job") + "-job"},
		{"dots are replaced and hashed", "wf.step", "", "wf-step-" + hash16("wf.step")},
		{"upper case is lowered and hashed", "Scale", "", "scale-" + hash16("Scale")},
		{"a parent of only symbols leaves the hash", "...", "job", hash16("...-job") + "-job"},
		{"a suffix too long to keep is hashed away", "p", strings.Repeat("s", 62),
			"p-" + hash16("p-"+strings.Repeat("s", 62))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := ChildName(tt.parent, tt.suffix); got != tt.want {
				t.Errorf("ChildName(%q, %q) = %q, want %q", tt.parent, tt.suffix, got, tt.want)
			}
		})
	}
}

func hash16(s string) string {
	// Computed independently of ChildName's code path: the first 16 hex digits of SHA-256.
	return fmt.Sprintf("%x", sha256Sum(s))[:16]
}

// TestChildNameIsAlwaysAValidDistinctLabel is a property test over random parents and
// suffixes, long and short, with characters a label cannot hold.
func TestChildNameIsAlwaysAValidDistinctLabel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-.ABC_/é"
	randomString := func(maxLen int) string {
		b := make([]rune, rng.IntN(maxLen+1))
		runes := []rune(alphabet)
		for i := range b {
			b[i] = runes[rng.IntN(len(runes))]
		}
		return string(b)
	}
	seen := map[string]string{}
	for range 20000 {
		parent, suffix := randomString(260), randomString(12)
		name := ChildName(parent, suffix)
		if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
			t.Fatalf("ChildName(%q, %q) = %q is not a DNS-1123 label: %v", parent, suffix, name, errs)
		}
		if again := ChildName(parent, suffix); again != name {
			t.Fatalf("ChildName(%q, %q) is not deterministic: %q then %q", parent, suffix, name, again)
		}
		// Inputs that join to the same "<parent>-<suffix>" may share a name; nothing else may.
		full := parent
		if suffix != "" {
			full += "-" + suffix
		}
		if other, dup := seen[name]; dup && other != full {
			t.Fatalf("ChildName gave %q to both %q and %q", name, other, full)
		}
		seen[name] = full
	}
}

func TestChildNamesOfAnActionExecution(t *testing.T) {
	ae := newAE("scale-payments")
	if got := JobName(ae); got != "scale-payments" {
		t.Errorf("JobName = %q, want the ActionExecution's name", got)
	}
	if got := RBACName(ae); got != "scale-payments-action" {
		t.Errorf("RBACName = %q, want scale-payments-action", got)
	}
	// Namespace a-b with name c and namespace a with name b-c must not share a ClusterRole.
	first := ClusterRBACName(&executionv1alpha1.ActionExecution{ObjectMeta: metav1.ObjectMeta{Namespace: "a-b", Name: "c"}})
	second := ClusterRBACName(&executionv1alpha1.ActionExecution{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "b-c"}})
	if first == second {
		t.Errorf("two ActionExecutions share the ClusterRole name %q", first)
	}
	if !strings.HasPrefix(first, "kubernaut-a-b-c-") || !strings.HasSuffix(first, "-action") {
		t.Errorf("ClusterRBACName = %q, want kubernaut-<namespace>-<name>-<hash>-action", first)
	}
}

func TestLabelsFitLabelValues(t *testing.T) {
	long := strings.Repeat("step.", 40) + "x"
	ae := newAE(long, func(ae *executionv1alpha1.ActionExecution) { ae.Spec.ActionType = "kubernetes/scale_deployment" })
	for key, value := range clusterLabels(ae) {
		if errs := validation.IsValidLabelValue(value); len(errs) > 0 {
			t.Errorf("label %s=%q is invalid: %v", key, value, errs)
		}
	}
	want := map[string]string{
		LabelManagedBy:       "kubernaut",
		LabelActionExecution: "scale-payments",
		LabelActionType:      "kubernetes.scale_deployment",
	}
	if diff := cmp.Diff(want, Labels(newAE("scale-payments"))); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
}

func TestOwnedBy(t *testing.T) {
	ae := newAE("scale-payments")
	other := newAE("scale-payments", func(ae *executionv1alpha1.ActionExecution) { ae.UID = "an-earlier-incarnation" })
	objs := BuildRBAC(ae, loadContract(t, "scale-deployment.yaml"))
	foreign := &metav1.ObjectMeta{Name: "scale-payments-action", Namespace: "payments"}
	forgedOwner := &metav1.ObjectMeta{Name: "x", Namespace: "payments", OwnerReferences: []metav1.OwnerReference{{
		UID: testUID, Controller: ptr.To(false)}}}
	for _, tt := range []struct {
		name string
		obj  metav1.Object
		want bool
	}{
		{"its ServiceAccount is owned", objs.ServiceAccount, true},
		{"its ClusterRole is owned by label", objs.ClusterRole, true},
		{"a ServiceAccount someone else created is not", foreign, false},
		{"an owner reference that is not the controller is not enough", forgedOwner, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := OwnedBy(tt.obj, ae); got != tt.want {
				t.Errorf("OwnedBy = %t, want %t", got, tt.want)
			}
		})
	}
	if OwnedBy(objs.ServiceAccount, other) || OwnedBy(objs.ClusterRole, other) {
		t.Error("a recreated ActionExecution of the same name claims the children of the earlier one")
	}
}
