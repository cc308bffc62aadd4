package actionjob

import (
	"strings"
	"testing"

	"k8s.io/utils/ptr"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

func TestCheckSecurity(t *testing.T) {
	for _, tt := range []struct {
		name string
		sc   *contract.SecurityContext
		want []string // substrings of the error, one per refused field; none when accepted
	}{
		{"no security context keeps the baseline", nil, nil},
		{"a tightening context is accepted", &contract.SecurityContext{
			RunAsNonRoot: ptr.To(true), RunAsUser: ptr.To[int64](1000), ReadOnlyRootFilesystem: ptr.To(true),
			AllowPrivilegeEscalation: ptr.To(false), Capabilities: &contract.Capabilities{Drop: []string{"ALL"}},
			SeccompProfile: &contract.Seccomp{Type: "RuntimeDefault"},
		}, nil},
		{"privileged is refused", &contract.SecurityContext{Privileged: ptr.To(true)}, []string{"spec.securityContext.privileged"}},
		{"added capabilities are refused", &contract.SecurityContext{Capabilities: &contract.Capabilities{Add: []string{"NET_ADMIN"}}},
			[]string{"spec.securityContext.capabilities.add: adds NET_ADMIN"}},
		{"host namespaces are refused", &contract.SecurityContext{HostNetwork: true, HostPID: true},
			[]string{"spec.securityContext.hostNetwork", "spec.securityContext.hostPID"}},
		{"root is refused", &contract.SecurityContext{RunAsUser: ptr.To[int64](0)}, []string{"spec.securityContext.runAsUser"}},
		{"a writable root filesystem is refused", &contract.SecurityContext{ReadOnlyRootFilesystem: ptr.To(false)},
			[]string{"spec.securityContext.readOnlyRootFilesystem"}},
		{"an unconfined seccomp profile is refused", &contract.SecurityContext{SeccompProfile: &contract.Seccomp{Type: "Unconfined"}},
			[]string{"spec.securityContext.seccompProfile.type: Unconfined"}},
		{"a Localhost seccomp profile cannot be expressed", &contract.SecurityContext{SeccompProfile: &contract.Seccomp{Type: "Localhost"}},
			[]string{"spec.securityContext.seccompProfile.type: Localhost needs a profile file"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := &contract.ActionContract{Metadata: contract.Metadata{Name: "risky"}, Spec: contract.Spec{SecurityContext: tt.sc}}
			err := CheckSecurity(c)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("CheckSecurity refused a contract that keeps the baseline: %v", err)
				}
				return
			}
			if reason, _ := ReasonOf(err); reason != executionv1alpha1.SecurityContextRejectedReason {
				t.Fatalf("CheckSecurity = %v with reason %q, want reason %s", err, reason, executionv1alpha1.SecurityContextRejectedReason)
			}
			if !strings.HasPrefix(err.Error(), "contract risky asks for what the restricted security baseline forbids: ") {
				t.Errorf("error %q does not name the contract", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not name the field:\n got: %v\nwant: …%s…", err, w)
				}
			}
		})
	}
}
