package contract

import (
	"testing"
)

func TestSecurityViolationsListsWhatLoosensTheBaseline(t *testing.T) {
	tests := []struct {
		name string
		sc   *SecurityContext
		want []wantError
	}{
		{"no security context keeps the baseline", nil, nil},
		{"a tightening security context keeps the baseline", &SecurityContext{
			RunAsNonRoot: ptr(true), RunAsUser: ptr(int64(1000)), AllowPrivilegeEscalation: ptr(false),
			ReadOnlyRootFilesystem: ptr(true), Privileged: ptr(false), Capabilities: &Capabilities{Drop: []string{"ALL"}},
			SeccompProfile: &Seccomp{Type: "Localhost"},
		}, nil},
		{"privileged is a violation", &SecurityContext{Privileged: ptr(true)},
			[]wantError{{"spec.securityContext.privileged", "never run privileged"}}},
		{"privilege escalation is a violation", &SecurityContext{AllowPrivilegeEscalation: ptr(true)},
			[]wantError{{"spec.securityContext.allowPrivilegeEscalation", "must be false"}}},
		{"running as root is a violation both ways", &SecurityContext{RunAsNonRoot: ptr(false), RunAsUser: ptr(int64(0))}, []wantError{
			{"spec.securityContext.runAsNonRoot", "non-root"}, {"spec.securityContext.runAsUser", "must not be 0"}}},
		{"a writable root filesystem is a violation", &SecurityContext{ReadOnlyRootFilesystem: ptr(false)},
			[]wantError{{"spec.securityContext.readOnlyRootFilesystem", "read-only"}}},
		{"any added capability is a violation, even NET_BIND_SERVICE", &SecurityContext{Capabilities: &Capabilities{Add: []string{"NET_BIND_SERVICE"}}},
			[]wantError{{"spec.securityContext.capabilities.add", "adds NET_BIND_SERVICE"}}},
		{"host namespaces are each a violation", &SecurityContext{HostNetwork: true, HostPID: true, HostIPC: true}, []wantError{
			{"spec.securityContext.hostNetwork", "node's namespaces"},
			{"spec.securityContext.hostPID", "node's namespaces"},
			{"spec.securityContext.hostIPC", "node's namespaces"}}},
		{"an unconfined seccomp profile is a violation", &SecurityContext{SeccompProfile: &Seccomp{Type: "Unconfined"}},
			[]wantError{{"spec.securityContext.seccompProfile.type", "Unconfined"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validContract()
			c.Spec.SecurityContext = tt.sc
			if err := c.Validate(); err != nil {
				t.Fatalf("Validate refused what only SecurityViolations should report: %v", err)
			}
			got := c.SecurityViolations()
			if tt.want == nil {
				if len(got) != 0 {
					t.Fatalf("got violations %v, want none", got)
				}
				return
			}
			assertFieldErrors(t, &ValidationError{Errors: got}, tt.want)
		})
	}
}
