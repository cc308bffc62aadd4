package actionjob

import (
	"errors"
	"strings"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/sdk/contract"
)

// CheckSecurity refuses a contract whose securityContext would loosen the restricted baseline
// (privileged, privilege escalation, root, a writable root filesystem, added capabilities, host
// namespaces, an unconfined seccomp profile), and one asking for a Localhost seccomp profile,
// which needs a profile file on the node that a contract cannot name. The error is an *Error
// with reason SecurityContextRejected listing every offending field.
func CheckSecurity(c *contract.ActionContract) error {
	violations := c.SecurityViolations()
	if sc := c.Spec.SecurityContext; sc != nil && sc.SeccompProfile != nil && sc.SeccompProfile.Type == "Localhost" {
		violations = append(violations, contract.FieldError{
			Path: "spec.securityContext.seccompProfile.type",
			Reason: "Localhost needs a profile file on every node, which a contract cannot name; " +
				"use RuntimeDefault (the default)",
		})
	}
	if len(violations) == 0 {
		return nil
	}
	msgs := make([]string, len(violations))
	for i, v := range violations {
		msgs[i] = v.Error()
	}
	return reasonError(executionv1alpha1.SecurityContextRejectedReason, errors.New(
		"contract "+c.Metadata.Name+" asks for what the restricted security baseline forbids: "+strings.Join(msgs, "; ")))
}
