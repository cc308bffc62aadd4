package contract

import (
	"fmt"
	"strings"
)

// SecurityViolations lists every securityContext setting that would loosen the baseline every
// action pod runs under: the restricted Pod Security profile plus a read-only root filesystem.
// An empty result means the contract only keeps or tightens the baseline.
//
// Parse accepts these settings so that an author sees them reported with a reason instead of
// an "unknown field"; the controller refuses to run such a contract and `contract lint` fails.
//
// Adding any capability is a violation, including NET_BIND_SERVICE, which the restricted profile
// tolerates: actions call APIs, they do not serve on privileged ports.
func (c *ActionContract) SecurityViolations() []FieldError {
	sc := c.Spec.SecurityContext
	if sc == nil {
		return nil
	}
	const at = "spec.securityContext."
	var v fieldErrors
	if isTrue(sc.Privileged) {
		v.add(at+"privileged", "privileged containers have full access to the node; actions never run privileged")
	}
	if isTrue(sc.AllowPrivilegeEscalation) {
		v.add(at+"allowPrivilegeEscalation", "must be false: setuid binaries could gain privileges the action was not given")
	}
	if sc.RunAsNonRoot != nil && !*sc.RunAsNonRoot {
		v.add(at+"runAsNonRoot", "must not be false: actions always run as a non-root user")
	}
	if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
		v.add(at+"runAsUser", "must not be 0 (root): actions always run as a non-root user")
	}
	if isFalse(sc.ReadOnlyRootFilesystem) {
		v.add(at+"readOnlyRootFilesystem", "must not be false: the root filesystem is read-only; write to /tmp or /workspace")
	}
	if sc.Capabilities != nil && len(sc.Capabilities.Add) > 0 {
		v.add(at+"capabilities.add", fmt.Sprintf("adds %s; actions run with all capabilities dropped and may add none",
			strings.Join(sc.Capabilities.Add, ", ")))
	}
	for _, host := range []struct {
		field string
		set   bool
	}{{"hostNetwork", sc.HostNetwork}, {"hostPID", sc.HostPID}, {"hostIPC", sc.HostIPC}} {
		if host.set {
			v.add(at+host.field, "sharing the node's namespaces breaks the isolation between action and node; never allowed")
		}
	}
	if sc.SeccompProfile != nil && sc.SeccompProfile.Type == "Unconfined" {
		v.add(at+"seccompProfile.type", "Unconfined turns off system call filtering; use RuntimeDefault or Localhost")
	}
	return v
}

func isTrue(b *bool) bool  { return b != nil && *b }
func isFalse(b *bool) bool { return b != nil && !*b }
