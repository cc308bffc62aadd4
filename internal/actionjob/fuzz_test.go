package actionjob

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
)

// FuzzParseOutputs checks that any pod log either yields outputs the contract accepts or fails
// with reason OutputInvalid, and never panics.
func FuzzParseOutputs(f *testing.F) {
	c := loadContract(f, "scale-deployment.yaml")
	f.Add([]byte("log line\n{\"replicas\":3}\n"))
	f.Add([]byte("{\"replicas\":\"3\"}"))
	f.Add([]byte("{\"replicas\":1e400}\n"))
	f.Add([]byte("\n\n"))
	f.Fuzz(func(t *testing.T, log []byte) {
		out, err := ParseOutputs(log, c)
		if err != nil {
			if reason, _ := ReasonOf(err); reason != executionv1alpha1.OutputInvalidReason {
				t.Fatalf("error %v has reason %q, want %s", err, reason, executionv1alpha1.OutputInvalidReason)
			}
			return
		}
		if err := c.ValidateOutputs(out); err != nil {
			t.Fatalf("accepted outputs the contract refuses: %v", err)
		}
	})
}

// FuzzChildName checks that every parent and suffix give a valid, stable DNS-1123 label.
func FuzzChildName(f *testing.F) {
	f.Add("scale-payments", "action")
	f.Add("wf.step.with.dots", "")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, parent, suffix string) {
		name := ChildName(parent, suffix)
		if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
			t.Fatalf("ChildName(%q, %q) = %q: %v", parent, suffix, name, errs)
		}
		if ChildName(parent, suffix) != name {
			t.Fatalf("ChildName(%q, %q) is not deterministic", parent, suffix)
		}
	})
}
