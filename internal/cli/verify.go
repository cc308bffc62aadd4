package cli

import (
	"crypto"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/kubernaut/kubernaut/internal/signing"
	"github.com/kubernaut/kubernaut/internal/verify"
)

// verifyFlags mirror cosign verify's flags, so that a command line written for cosign works here.
type verifyFlags struct {
	keys                        []string
	identity, identityRegexp    string
	issuer, issuerRegexp        string
	trustedRoot, tlog, output   string
	allowTag, insecureIgnoreSCT bool
}

func newVerifyCommand(s streams) *cobra.Command {
	var f verifyFlags
	cmd := &cobra.Command{
		Use:   "verify IMAGE@DIGEST",
		Short: "Verify an image's signature with keys or keyless identities, offline",
		Long: `Verifies a Sigstore bundle attached as an OCI referrer (cosign v3) or a legacy .sig tag
(cosign v2) against trusted keys (--key, repeatable for rotation) or a keyless identity
(--certificate-identity[-regexp] with --certificate-oidc-issuer[-regexp] and --trusted-root).
Nothing but the registry is contacted. Prints what was verified: digest, key or identity, log index.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			policy, err := f.policy()
			if err != nil {
				return err
			}
			remoteOpts, err := remoteOptions(cmd.Context())
			if err != nil {
				return err
			}
			v, err := verify.NewVerifier(verify.WithRemoteOptions(remoteOpts))
			if err != nil {
				return err
			}
			res, err := v.Verify(cmd.Context(), args[0], policy)
			if err != nil {
				return err
			}
			return printVerifyResult(s, f.output, res)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.keys, "key", nil, "trusted public key file (PEM); repeat for several keys")
	fl.StringVar(&f.identity, "certificate-identity", "", "keyless: the signer's exact certificate identity (SAN)")
	fl.StringVar(&f.identityRegexp, "certificate-identity-regexp", "", "keyless: a regular expression for the certificate identity")
	fl.StringVar(&f.issuer, "certificate-oidc-issuer", "", "keyless: the exact OIDC issuer")
	fl.StringVar(&f.issuerRegexp, "certificate-oidc-issuer-regexp", "", "keyless: a regular expression for the OIDC issuer")
	fl.StringVar(&f.trustedRoot, "trusted-root", "", "Sigstore trusted_root.json for keyless verification (never fetched online)")
	fl.StringVar(&f.tlog, "tlog", string(verify.TLogRequired), "transparency log: required, optional or disabled")
	fl.BoolVar(&f.allowTag, "allow-tag", false, "accept a tag and resolve it to a digest (strict mode refuses tags)")
	fl.BoolVar(&f.insecureIgnoreSCT, "insecure-ignore-sct", false, "keyless: do not require a certificate transparency timestamp")
	fl.StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	return cmd
}

func (f verifyFlags) policy() (*verify.Policy, error) {
	if f.output != "text" && f.output != "json" {
		return nil, usagef("--output must be text or json, not %q", f.output)
	}
	tlog, err := verify.ParseTLogPolicy(f.tlog)
	if err != nil {
		return nil, usagef("--tlog: %v", err)
	}
	opts := verify.PolicyOptions{TLog: tlog, RequireDigest: !f.allowTag, InsecureIgnoreSCT: f.insecureIgnoreSCT}
	if opts.Keys, err = readPublicKeys(f.keys); err != nil {
		return nil, err
	}
	if f.identity != "" || f.identityRegexp != "" || f.issuer != "" || f.issuerRegexp != "" {
		opts.Identities = []verify.Identity{{Issuer: f.issuer, IssuerRegexp: f.issuerRegexp,
			Subject: f.identity, SubjectRegexp: f.identityRegexp}}
	}
	if f.trustedRoot != "" {
		tr, err := verify.LoadTrustedRoot(f.trustedRoot)
		if err != nil {
			return nil, fmt.Errorf("--trusted-root: %w", err)
		}
		opts.TrustedMaterial = tr
	}
	policy, err := verify.Compile(opts)
	if err != nil {
		return nil, usageError{err}
	}
	return policy, nil
}

func readPublicKeys(files []string) ([]crypto.PublicKey, error) {
	keys := make([]crypto.PublicKey, 0, len(files))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("--key: %w", err)
		}
		key, err := signing.LoadPublicKey(data)
		if err != nil {
			return nil, fmt.Errorf("--key %s: %w", file, err)
		}
		keys = append(keys, key)
	}
	return keys, nil
}

func printVerifyResult(s streams, output string, r *verify.Result) error {
	if output == "json" {
		return printJSON(s, r)
	}
	fmt.Fprintf(s.out, "Verified %s@%s\n  format:   %s\n", r.Repository, r.Digest, r.Format)
	if r.KeyID != "" {
		fmt.Fprintf(s.out, "  key:      %s\n", r.KeyID)
	}
	if r.Identity != nil {
		fmt.Fprintf(s.out, "  identity: %s (issuer %s)\n", r.Identity.Subject, r.Identity.Issuer)
	}
	if r.LogIndex != nil {
		fmt.Fprintf(s.out, "  log index: %d\n", *r.LogIndex)
	}
	if r.ResolvedFrom != "" {
		fmt.Fprintf(s.out, "  resolved from tag: %s\n", r.ResolvedFrom)
	}
	return nil
}
