package actionexecution

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	executionv1alpha1 "github.com/kubernaut/kubernaut/api/execution/v1alpha1"
	"github.com/kubernaut/kubernaut/internal/actionregistry"
	"github.com/kubernaut/kubernaut/internal/verify"
)

// reconcileVerification verifies the registry entry's image against the entry's policy and
// decides which digest runs. Strict mode refuses anything that does not verify; warn mode runs a
// digest that failed verification, with a Warning; disabled mode runs it unverified, loudly.
// Registry errors are transient: the outcome is unknown, so the run waits and retries.
func (r *Reconciler) reconcileVerification(ctx context.Context, run *run) error {
	entry, obj := run.entry, run.obj
	if entry.Verification == actionregistry.ModeDisabled {
		return r.skipVerification(run)
	}
	trust := actionregistry.ClientGetter{Reader: r.Client, Namespace: r.Namespace}
	policy, err := actionregistry.CompilePolicy(ctx, run.registry.Trust(), trust, entry.Verification)
	switch {
	case errors.Is(err, actionregistry.ErrInvalidTrust) && entry.Verification == actionregistry.ModeWarn:
		return runUnverified(run, executionv1alpha1.VerificationFailedReason, fmt.Sprintf(
			"the trust settings cannot verify anything, running anyway because verification mode is warn: %v", err))
	case errors.Is(err, actionregistry.ErrInvalidTrust):
		return refuse(executionv1alpha1.VerifiedCondition, executionv1alpha1.VerificationFailedReason,
			"the trust settings cannot verify action type %q: %v", obj.Spec.ActionType, err)
	case err != nil:
		// Missing trust material may be created any moment (the Secret watch requeues the run);
		// API errors pass. Either way the run waits rather than fails.
		return fmt.Errorf("building the verification policy of action type %q: %w", obj.Spec.ActionType, err)
	}
	began := time.Now()
	res, err := r.Verifier.Verify(ctx, entry.Image, policy, run.pull.verifyOptions()...)
	observeVerification(time.Since(began), err)
	switch {
	case err == nil:
		return recordVerified(run, entry.Image, res)
	case errors.Is(err, verify.ErrRegistry), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// Naming the credentials turns a bare 401 into something an operator can act on.
		return fmt.Errorf("verifying the signature of %s with %s: %w", entry.Image, run.pull, err)
	case errors.Is(err, verify.ErrTagReference):
		return refuse(executionv1alpha1.VerifiedCondition, executionv1alpha1.ImageNotAllowedReason,
			"the registry entry of %q names %s by tag; verification mode %s requires a digest: %v",
			obj.Spec.ActionType, entry.Image, entry.Verification, err)
	case entry.Verification == actionregistry.ModeWarn:
		return runUnverified(run, executionv1alpha1.VerificationFailedReason, fmt.Sprintf(
			"signature verification failed, running anyway because verification mode is warn: %v", err))
	default:
		return refuse(executionv1alpha1.VerifiedCondition, executionv1alpha1.VerificationFailedReason,
			"image of action type %q refused: %v", obj.Spec.ActionType, err)
	}
}

// recordVerified records what was verified and pins the run to the verified digest: the
// contract is read from it and the Job runs it, so nothing can be swapped after verification.
// The reference keeps the registry entry's spelling (the verifier may normalise the repository
// name, e.g. docker.io to index.docker.io); its digest must be the one verified.
func recordVerified(run *run, image string, res *verify.Result) error {
	digest, err := name.NewDigest(image)
	if err != nil || digest.DigestStr() != res.Digest {
		return fmt.Errorf("verified digest %s does not match the registry entry's image %s (%v)", res.Digest, image, err)
	}
	run.digest = digest
	status := &run.obj.Status
	status.VerifiedDigest = res.Digest
	status.Signer = signerOf(res)
	setCondition(run.obj, executionv1alpha1.VerifiedCondition, metav1.ConditionTrue, executionv1alpha1.SucceededReason,
		fmt.Sprintf("%s verified: %s", digest, describeSigner(res)))
	return nil
}

// skipVerification handles mode disabled: the digest of the registry's image runs without any
// signature check, announced on the condition and by a Warning event.
func (r *Reconciler) skipVerification(run *run) error {
	return runUnverified(run, executionv1alpha1.VerificationDisabledReason, fmt.Sprintf(
		"signature verification is DISABLED for action type %q by its registry entry; %s runs unverified",
		run.obj.Spec.ActionType, run.entry.Image))
}

// runUnverified lets an unverified image run (modes warn and disabled). Only a digest reference
// may: resolving a tag here would run whatever the tag names at that moment, unrecorded.
func runUnverified(run *run, reason, message string) error {
	digest, err := name.NewDigest(run.entry.Image)
	if err != nil {
		return refuse(executionv1alpha1.VerifiedCondition, executionv1alpha1.ImageNotAllowedReason,
			"the registry entry of %q names %s, which is not pinned by digest; an unverified image must be: %v",
			run.obj.Spec.ActionType, run.entry.Image, err)
	}
	run.digest = digest
	run.obj.Status.VerifiedDigest = ""
	run.obj.Status.Signer = nil
	setCondition(run.obj, executionv1alpha1.VerifiedCondition, metav1.ConditionFalse, reason, message)
	run.warnings = append(run.warnings, warning{reason: reason, message: message})
	return nil
}

// signerOf converts a verification result into the API's record of the signer.
func signerOf(res *verify.Result) *executionv1alpha1.Signer {
	s := &executionv1alpha1.Signer{
		Format:   executionv1alpha1.SignatureFormat(res.Format),
		KeyID:    res.KeyID,
		LogIndex: res.LogIndex,
	}
	if res.Identity != nil {
		s.KeyID = ""
		s.Identity = &executionv1alpha1.SignerIdentity{Issuer: res.Identity.Issuer, Subject: res.Identity.Subject}
	}
	return s
}

// describeSigner says who signed, for condition messages.
func describeSigner(res *verify.Result) string {
	who := "key " + res.KeyID
	if res.Identity != nil {
		who = fmt.Sprintf("identity %s (issuer %s)", res.Identity.Subject, res.Identity.Issuer)
	}
	if res.LogIndex != nil {
		return fmt.Sprintf("%s signature by %s, transparency log index %d", res.Format, who, *res.LogIndex)
	}
	return fmt.Sprintf("%s signature by %s", res.Format, who)
}
