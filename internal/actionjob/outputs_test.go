package actionjob

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/sdk/action"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

func TestParseOutputsReadsTheLastLine(t *testing.T) {
	c := loadContract(t, "scale-deployment.yaml")
	log := []byte("scaling payment-service to 10\n{\"not\":\"this\"}\n{\"previousReplicas\":3,\"replicas\":10}\r\n\n")
	got, err := ParseOutputs(log, c)
	if err != nil {
		t.Fatalf("ParseOutputs: %v", err)
	}
	want := map[string]any{"previousReplicas": json.Number("3"), "replicas": json.Number("10")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
}

func TestParseOutputsRefusesBadOutputs(t *testing.T) {
	c := loadContract(t, "scale-deployment.yaml")
	huge := `{"replicas":1,"pad":"` + strings.Repeat("x", action.MaxOutputBytes) + `"}`
	for _, tt := range []struct {
		name     string
		log      string
		sentinel error
		want     string
	}{
		{"an empty log has no outputs", "\n \n", action.ErrNoOutputLine, "reading the action's outputs: no output line"},
		{"a last line that is not JSON", "{\"replicas\":1}\nDone.\n", action.ErrNotJSONObject, "last line is not a JSON object"},
		{"a JSON array is not an object", "[1,2]\n", action.ErrNotJSONObject, "last line is not a JSON object"},
		{"an oversized line is refused, not cut", huge + "\n", action.ErrOutputTooLarge, "output line too large"},
		{"an undeclared output is refused", `{"replicas":1,"replica":2}`, nil,
			"the action's outputs do not match contract scale-deployment: /replica: undeclared output"},
		{"a wrongly typed output is refused", `{"replicas":"ten"}`, nil,
			"the action's outputs do not match contract scale-deployment: /replicas:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseOutputs([]byte(tt.log), c)
			if reason, _ := ReasonOf(err); reason != executionv1alpha1.OutputInvalidReason {
				t.Fatalf("ParseOutputs = %v with reason %q, want reason %s", err, reason, executionv1alpha1.OutputInvalidReason)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("error %v does not wrap %v", err, tt.sentinel)
			}
			var outErr *contract.OutputError
			if tt.sentinel == nil && !errors.As(err, &outErr) {
				t.Errorf("error %v does not wrap the contract's *OutputError", err)
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line naming the cause:\n got: %q\nwant: …%s…", err, tt.want)
			}
		})
	}
}

func TestOutputsFromTerminationMessage(t *testing.T) {
	c := loadContract(t, "scale-deployment.yaml")
	long := `{"replicas":1,"summary":"` + strings.Repeat("x", MaxTerminationMessageBytes) + `"}`
	kubeletTail := long[len(long)-MaxTerminationMessageBytes:] // what the kubelet keeps of a longer file
	for _, tt := range []struct {
		name    string
		message string
		wantOK  bool
		wantErr bool
	}{
		{"the SDK's output line is read", "{\"replicas\":10}\n", true, false},
		{"an empty message sends the caller to the log", "", false, false},
		{"a message that is no JSON object sends the caller to the log", "all done", false, false},
		{"a message at the kubelet's limit may be cut", kubeletTail, false, false},
		{"a complete message just under the limit is read", `{"replicas":1,"summary":"` +
			strings.Repeat("x", MaxTerminationMessageBytes-28) + `"}`, true, false},
		{"outputs the contract refuses are an error", `{"replicas":"ten"}`, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, ok, err := OutputsFromTerminationMessage(tt.message, c)
			if ok != tt.wantOK || (err != nil) != tt.wantErr {
				t.Fatalf("OutputsFromTerminationMessage = %v, %t, %v; want ok %t, error %t", out, ok, err, tt.wantOK, tt.wantErr)
			}
			if ok && len(out) == 0 {
				t.Error("ok without outputs")
			}
			if err != nil {
				if reason, _ := ReasonOf(err); reason != executionv1alpha1.OutputInvalidReason {
					t.Errorf("reason = %q, want %s", reason, executionv1alpha1.OutputInvalidReason)
				}
			}
		})
	}
}
